/**
 * {@linkcode Comm}: a communicator, the group of ranks a program talks to.
 *
 * Point-to-point calls follow mpi4py's lowercase API: they move any
 * structured-cloneable value and return what arrives; bare typed arrays take
 * a zero-serialization fast path.
 *
 * @module
 */

import { ANY_SOURCE, ANY_TAG, PROC_NULL } from "./constants.ts";
import { describe, SpmdError } from "./errors.ts";
import { Request } from "./request.ts";
import { Status } from "./status.ts";
import { callCode, type Transport } from "./transport/transport.ts";
import { checkBuffer, checkDest, checkRecvTag, checkSendTag, checkSource } from "./_validate.ts";

const C_SEND = callCode("send");
const C_RECV = callCode("recv");
const C_RECV_INTO = callCode("recvInto");
const C_SENDRECV = callCode("sendrecv");
const C_PROBE = callCode("probe");

/** Options for {@linkcode Comm}'s constructor (used by `world()`, `split` and `dup`). */
export interface CommInit {
  /** The backend. */
  transport: Transport;
  /** Context id for point-to-point traffic; `context + 1` is used by collectives. */
  context: number;
  /** World rank of each member, in communicator rank order; omit for the world itself. */
  members?: readonly number[];
}

/**
 * A communicator. Obtain the world with `world()`.
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * const comm = world();
 * if (comm.rank === 0) comm.send({ n: 42 }, 1 % comm.size, 7);
 * if (comm.rank === 1 % comm.size) console.log(comm.recv(0, 7)); // { n: 42 }
 * ```
 */
export class Comm {
  /** This process's rank in the communicator. */
  readonly rank: number;
  /** Number of ranks in the communicator. */
  readonly size: number;
  /** @internal The backend. */
  readonly transport: Transport;
  /** @internal Context id of point-to-point traffic. */
  readonly context: number;
  readonly #members: readonly number[] | null;
  readonly #worldToLocal: Map<number, number> | null;
  readonly #map: ((w: number) => number) | null;

  /** @internal Communicators are created by `world()`, `split` and `dup`. */
  constructor(init: CommInit) {
    const t = init.transport;
    this.transport = t;
    this.context = init.context;
    if (init.members === undefined) {
      this.#members = null;
      this.#worldToLocal = null;
      this.#map = null;
      this.rank = t.rank;
      this.size = t.size;
    } else {
      const members = init.members;
      this.#members = members;
      const back = new Map<number, number>();
      members.forEach((w, i) => back.set(w, i));
      this.#worldToLocal = back;
      this.#map = (w: number) => back.get(w) ?? -1;
      this.rank = back.get(t.rank) ?? -1;
      this.size = members.length;
    }
  }

  /** @internal World rank of communicator rank `r` (wildcards and PROC_NULL pass through). */
  worldRank(r: number): number {
    return this.#members === null || r < 0 ? r : this.#members[r];
  }

  /** @internal Communicator rank of world rank `w`. */
  localRank(w: number): number {
    return this.#worldToLocal === null || w < 0 ? w : (this.#worldToLocal.get(w) ?? -1);
  }

  #fix(status: Status | null | undefined): void {
    if (status && this.#worldToLocal !== null && status.source >= 0) {
      status.source = this.localRank(status.source);
    }
  }

  // ---- blocking point-to-point ----------------------------------------------

  /**
   * Sends `value` to rank `dest` with `tag` (standard mode: returns once the
   * value is copied out; never waits for the matching receive unless the
   * ring to `dest` is full).
   */
  send(value: unknown, dest: number, tag = 0): void {
    checkDest("send", dest, this.size);
    checkSendTag("send", tag);
    if (dest === PROC_NULL) return;
    const t = this.transport;
    t.enter(C_SEND, dest, tag, this.context);
    try {
      t.send(value, this.worldRank(dest), tag, this.context, "send");
    } finally {
      t.leave();
    }
  }

  /**
   * Receives a message and returns its value. `source` and `tag` may be
   * ANY_SOURCE / ANY_TAG; `status`, when given, is filled in.
   */
  recv<T = unknown>(
    source: number = ANY_SOURCE,
    tag: number = ANY_TAG,
    status?: Status,
  ): T {
    checkSource("recv", source, this.size);
    checkRecvTag("recv", tag);
    if (status !== undefined && !(status instanceof Status)) {
      throw new SpmdError(
        `recv: status must be a Status, got ${describe(status)}`,
        "MPI_ERR_ARG",
      );
    }
    if (source === PROC_NULL) {
      procNull(status);
      return null as T;
    }
    const t = this.transport;
    t.enter(C_RECV, source, tag, this.context);
    try {
      const v = t.recv(
        this.worldRank(source),
        tag,
        this.context,
        status ?? null,
        "recv",
      ) as T;
      this.#fix(status);
      return v;
    } finally {
      t.leave();
    }
  }

  /**
   * Receives a typed-array message into `buffer` (its bytes are copied in;
   * the message may be shorter). Returns the message's {@linkcode Status}.
   * A larger message throws `TruncateError` and is consumed.
   */
  recvInto(
    buffer: ArrayBufferView,
    source: number = ANY_SOURCE,
    tag: number = ANY_TAG,
  ): Status {
    checkBuffer("recvInto", buffer);
    checkSource("recvInto", source, this.size);
    checkRecvTag("recvInto", tag);
    const st = new Status();
    if (source === PROC_NULL) return procNull(st) as Status;
    const t = this.transport;
    t.enter(C_RECV_INTO, source, tag, this.context);
    try {
      t.recvInto(
        buffer,
        this.worldRank(source),
        tag,
        this.context,
        st,
        "recvInto",
      );
    } finally {
      t.leave();
    }
    this.#fix(st);
    return st;
  }

  /**
   * Sends `value` to `dest` and receives from `source` at once, without
   * deadlock however large the messages; returns the received value.
   */
  sendrecv<T = unknown>(
    value: unknown,
    dest: number,
    sendTag = 0,
    source: number = ANY_SOURCE,
    recvTag: number = ANY_TAG,
    status?: Status,
  ): T {
    checkDest("sendrecv", dest, this.size);
    checkSendTag("sendrecv", sendTag);
    checkSource("sendrecv", source, this.size);
    checkRecvTag("sendrecv", recvTag);
    const t = this.transport;
    t.enter(C_SENDRECV, source, recvTag, this.context);
    try {
      const s = dest === PROC_NULL ? null : t.isend(
        value,
        this.worldRank(dest),
        sendTag,
        this.context,
        "sendrecv",
      );
      const v = source === PROC_NULL ? (procNull(status), null) : t.recv(
        this.worldRank(source),
        recvTag,
        this.context,
        status ?? null,
        "sendrecv",
      );
      if (s !== null) t.wait(s, null);
      this.#fix(status);
      return v as T;
    } finally {
      t.leave();
    }
  }

  // ---- non-blocking point-to-point --------------------------------------------

  /**
   * Starts a send and returns its {@linkcode Request}. A typed array is sent
   * from its own memory: do not modify it until the request completes.
   */
  isend(value: unknown, dest: number, tag = 0): Request<undefined> {
    checkDest("isend", dest, this.size);
    checkSendTag("isend", tag);
    if (dest === PROC_NULL) {
      return new Request<undefined>(null, null, null, undefined);
    }
    const op = this.transport.isend(
      value,
      this.worldRank(dest),
      tag,
      this.context,
      "isend",
    );
    return new Request<undefined>(this.transport, op, this.#map);
  }

  /** Starts a receive; `wait()` on the request returns the value. */
  irecv<T = unknown>(
    source: number = ANY_SOURCE,
    tag: number = ANY_TAG,
  ): Request<T> {
    checkSource("irecv", source, this.size);
    checkRecvTag("irecv", tag);
    if (source === PROC_NULL) return new Request<T>(null, null, null, null);
    const op = this.transport.irecv(
      this.worldRank(source),
      tag,
      this.context,
      null,
      "irecv",
    );
    return new Request<T>(this.transport, op, this.#map);
  }

  /**
   * Starts a receive into `buffer` (a typed array). `wait()` returns
   * undefined; the status tells the source, tag and byte count.
   */
  irecvInto(
    buffer: ArrayBufferView,
    source: number = ANY_SOURCE,
    tag: number = ANY_TAG,
  ): Request<undefined> {
    checkBuffer("irecvInto", buffer);
    checkSource("irecvInto", source, this.size);
    checkRecvTag("irecvInto", tag);
    if (source === PROC_NULL) {
      return new Request<undefined>(null, null, null, undefined);
    }
    const op = this.transport.irecv(
      this.worldRank(source),
      tag,
      this.context,
      buffer,
      "irecvInto",
    );
    return new Request<undefined>(this.transport, op, this.#map);
  }

  // ---- probing ---------------------------------------------------------------

  /** Waits until a matching message can be received; returns its {@linkcode Status}. */
  probe(source: number = ANY_SOURCE, tag: number = ANY_TAG): Status {
    checkSource("probe", source, this.size);
    checkRecvTag("probe", tag);
    const st = new Status();
    if (source === PROC_NULL) return procNull(st) as Status;
    const t = this.transport;
    t.enter(C_PROBE, source, tag, this.context);
    try {
      t.probe(this.worldRank(source), tag, this.context, st);
    } finally {
      t.leave();
    }
    this.#fix(st);
    return st;
  }

  /** Returns the {@linkcode Status} of a matching message if one is there, else `null`. */
  iprobe(source: number = ANY_SOURCE, tag: number = ANY_TAG): Status | null {
    checkSource("iprobe", source, this.size);
    checkRecvTag("iprobe", tag);
    const st = new Status();
    if (source === PROC_NULL) return procNull(st) as Status;
    if (!this.transport.iprobe(this.worldRank(source), tag, this.context, st)) {
      return null;
    }
    this.#fix(st);
    return st;
  }

  // ---- job control -------------------------------------------------------------

  /**
   * Stops every rank of the job (MPI_Abort). The launcher exits with `code`.
   * Never returns.
   */
  abort(code = 1, message = `comm.abort(${code}) called`): never {
    if (!Number.isInteger(code) || code < 0 || code > 255) {
      throw new SpmdError(
        `abort: code must be an integer in 0..255, got ${describe(code)}`,
        "MPI_ERR_ARG",
      );
    }
    return this.transport.abort(code, String(message));
  }
}

/** The result of a receive from PROC_NULL. */
function procNull(status: Status | undefined): Status | null {
  if (status === undefined) return null;
  status.source = PROC_NULL;
  status.tag = ANY_TAG;
  status.bytes = 0;
  return status;
}
