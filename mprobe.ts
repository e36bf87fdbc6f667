/**
 * {@linkcode Message}: a message taken by a matched probe (`comm.mprobe`,
 * `comm.improbe`), to be received with its own `recv()` or `irecv()`.
 *
 * @module
 */

import { ANY_TAG, PROC_NULL } from "./constants.ts";
import { describe, nameCall, SpmdError } from "./errors.ts";
import { checkInto, fillStatus, type LocalRanks, valueOf } from "./_message.ts";
import { checkBuffer } from "./_validate.ts";
import { moveInto, RecvOp } from "./transport/matcher.ts";
import { bytesOf } from "./transport/typed.ts";
import { Request } from "./request.ts";
import { Status } from "./status.ts";
import { callCode } from "./transport/calls.ts";
import type { Probed, Transport } from "./transport/transport.ts";

const C_RECV = callCode("recv");
const C_RECV_INTO = callCode("recvInto");

/**
 * A message found by `comm.mprobe` or `comm.improbe` (MPI_Mprobe's
 * MPI_Message). It has been taken out of matching: no other receive —
 * another `recv` with wildcards, an earlier `irecv` — can take it, so the
 * size in `status` is the size of what `recv()` will return. Receive it
 * exactly once, with `recv()`, `recvInto()` or `irecv()`.
 *
 * @example
 * ```ts
 * import { ANY_SOURCE, world } from "@spmd/spmd";
 * import { deepEqual, equal } from "node:assert/strict";
 *
 * const comm = world();
 * comm.send(new Float64Array([1, 2, 3]), comm.rank, 4);
 * const msg = comm.mprobe(ANY_SOURCE, 4);
 * equal(msg.status.count(Float64Array), 3); // known before receiving
 * deepEqual(msg.recv(), new Float64Array([1, 2, 3]));
 * ```
 */
export class Message {
  /** The message's envelope: source (a rank of the communicator), tag, bytes. */
  readonly status: Status;
  readonly #t: Transport | null;
  readonly #probed: Probed | null;
  readonly #comm: LocalRanks;
  readonly #context: number;
  #received = false;

  /** @ignore Made by `mprobe`/`improbe`; `probed` null: a message from PROC_NULL. */
  constructor(t: Transport | null, probed: Probed | null, comm: LocalRanks, context: number) {
    this.#t = t;
    this.#probed = probed;
    this.#comm = comm;
    this.#context = context;
    const st = this.status = new Status();
    if (probed === null) {
      st.source = PROC_NULL;
      st.tag = ANY_TAG;
    } else fillStatus(st, probed.envelope, comm);
  }

  /**
   * Receives the message (MPI_Mrecv) and returns its value; `status`, when
   * given, is filled in. A message from `PROC_NULL` (an `mprobe` of
   * PROC_NULL) gives `null`.
   *
   * @param status A {@linkcode Status} to fill in.
   * @returns The message's value.
   * @throws {SpmdError} `MPI_ERR_REQUEST` if the message was received already; `MPI_ERR_ARG` if `status` is not a Status.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while the rest of a large message arrives.
   *
   * @example
   * ```ts
   * import { Status, world } from "@spmd/spmd";
   * import { deepEqual, equal, throws } from "node:assert/strict";
   *
   * const comm = world();
   * const next = (comm.rank + 1) % comm.size;
   * const prev = (comm.rank - 1 + comm.size) % comm.size;
   * comm.send({ from: comm.rank }, next, 5);
   * const msg = comm.mprobe(prev, 5);
   * const st = new Status();
   * deepEqual(msg.recv(st), { from: prev });
   * equal(st.source, prev);
   * throws(() => msg.recv(), { code: "MPI_ERR_REQUEST" }); // a Message is received once
   * ```
   */
  recv<T = unknown>(status?: Status): T {
    this.#use("Message.recv", status);
    const p = this.#probed;
    if (p === null) return this.#noProc(status) as T;
    const t = this.#t!;
    t.enter(C_RECV, this.status.source, this.status.tag, this.#context);
    try {
      const m = t.wait(p.op)!;
      fillStatus(status, m, this.#comm);
      return valueOf(m, "Message.recv") as T;
    } catch (e) {
      throw nameCall("Message.recv", e);
    } finally {
      t.leave();
    }
  }

  /**
   * Receives the message (MPI_Mrecv with a typed buffer) into typed array
   * `buffer`, as `comm.recvInto` does: it must be a typed-array message that
   * fits (else it is consumed and this throws, `TruncateError` when too
   * large); returns its {@linkcode Status}. The payload lands straight in
   * `buffer` where it has not all arrived yet.
   *
   * @param buffer Where the message goes: a typed array (or DataView) of at least its size.
   * @returns The message's {@linkcode Status}.
   * @throws {TruncateError} `MPI_ERR_TRUNCATE` if the message does not fit `buffer`.
   * @throws {SpmdError} `MPI_ERR_BUFFER` if `buffer` is not a typed array or DataView (or is detached); `MPI_ERR_TYPE` if the message is not a typed array; `MPI_ERR_REQUEST` if the message was received already.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while the rest of a large message arrives.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual, equal } from "node:assert/strict";
   *
   * const comm = world();
   * comm.send(new Int32Array([4, 5]), comm.rank, 2);
   * const buf = new Int32Array(4);
   * const st = comm.mprobe(comm.rank, 2).recvInto(buf);
   * equal(st.count(Int32Array), 2);
   * deepEqual(buf, new Int32Array([4, 5, 0, 0]));
   * ```
   */
  recvInto(buffer: ArrayBufferView): Status {
    checkBuffer("Message.recvInto", buffer);
    this.#use("Message.recvInto", undefined);
    const st = new Status();
    const p = this.#probed;
    if (p === null) {
      this.#noProc(st);
      return st;
    }
    const t = this.#t!;
    t.enter(C_RECV_INTO, this.status.source, this.status.tag, this.#context);
    try {
      const op = p.op;
      if (op instanceof RecvOp && op.msg !== null && !op.msg.done) {
        op.into = buffer; // what has arrived moves into buffer, the rest streams there
        moveInto(op.msg, buffer);
      }
      const m = t.wait(op)!;
      checkInto(m, buffer, "Message.recvInto", this.#comm);
      if (m.value !== buffer && ArrayBuffer.isView(m.value)) bytesOf(buffer).set(bytesOf(m.value));
      fillStatus(st, m, this.#comm);
      return st;
    } catch (e) {
      throw nameCall("Message.recvInto", e);
    } finally {
      t.leave();
    }
  }

  /**
   * Starts receiving the message (MPI_Imrecv); `wait()` on the request
   * returns its value (`null` for a message from `PROC_NULL`).
   *
   * @returns A request whose `wait()` (or `await`) gives the message's value.
   * @throws {SpmdError} `MPI_ERR_REQUEST` if the message was received already.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * comm.send("hello", comm.rank, 6);
   * const msg = comm.mprobe(comm.rank, 6);
   * const r = msg.irecv();
   * equal(await r, "hello");
   * ```
   */
  irecv<T = unknown>(): Request<T> {
    this.#use("Message.irecv", undefined);
    const p = this.#probed;
    if (p === null) return new Request<T>(null, null, null, null as T, null);
    return new Request<T>(this.#t, p.op, this.#comm, null as T, {
      call: "Message.irecv",
      send: false,
      peer: this.status.source,
      tag: this.status.tag,
      context: this.#context,
      into: null,
    });
  }

  #use(call: string, status: unknown): void {
    if (status !== undefined && status !== null && !(status instanceof Status)) {
      throw new SpmdError(`${call}: status must be a Status, got ${describe(status)}`, "MPI_ERR_ARG");
    }
    if (this.#received) {
      throw new SpmdError(
        `${call}: this message (from rank ${this.status.source}, tag ${this.status.tag}) has already been received; ` +
          `a Message is received once`,
        "MPI_ERR_REQUEST",
      );
    }
    this.#received = true;
  }

  #noProc(status: Status | undefined): null {
    if (status !== undefined && status !== null) {
      status.source = PROC_NULL;
      status.tag = ANY_TAG;
      status.bytes = 0;
    }
    return null;
  }
}
