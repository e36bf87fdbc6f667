/**
 * {@linkcode Request}: a non-blocking send or receive in flight.
 *
 * @module
 */

import { ANY_TAG, PROC_NULL } from "./constants.ts";
import { nameCall, SpmdError } from "./errors.ts";
import { checkInto, fillStatus, type LocalRanks, valueOf } from "./_message.ts";
import { Status } from "./status.ts";
import { callCode } from "./transport/calls.ts";
import type { PendingOp, Transport } from "./transport/transport.ts";

const C_WAIT = callCode("wait");
const C_WAIT_SEND = callCode("waitSend");
const C_WAITALL = callCode("waitAll");
const C_WAITALL_SEND = callCode("waitAllSend");

/** The world itself: world ranks are communicator ranks. */
const WORLD: LocalRanks = { localRank: (w) => w };

/** What a request is, for its results, errors and reports. */
export interface RequestInfo {
  /** The call that started it (`isend`, `irecv`, `irecvInto`). */
  call: string;
  /** True for a send. */
  send: boolean;
  /** Source (receive) or destination (send), as the caller gave it. */
  peer: number;
  /** Tag. */
  tag: number;
  /** Context id of the communicator. */
  context: number;
  /** The caller's buffer of an `irecvInto`, else null. */
  into: ArrayBufferView | null;
}

/**
 * A non-blocking operation started by `isend` or `irecv`. `wait()` returns
 * the received value (undefined for a send); `test()` returns
 * `[done, value]` without blocking, like mpi4py's `Request.test()`.
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * const comm = world();
 * const r = comm.irecv(comm.rank, 5);
 * comm.send({ hello: "me" }, comm.rank, 5);
 * console.log(r.wait()); // { hello: "me" }
 * ```
 */
export class Request<T = unknown> {
  readonly #t: Transport | null;
  readonly #op: PendingOp | null;
  readonly #comm: LocalRanks;
  readonly #info: RequestInfo | null;
  #finished = false;
  #value: T | null = null;
  #status: Status | null = null;
  #error: unknown = null;

  /**
   * @internal Created by `Comm`; `op` null means a request that completed
   * at once (to or from PROC_NULL) with `value`, and a status saying so.
   */
  constructor(
    t: Transport | null,
    op: PendingOp | null,
    comm: LocalRanks | null,
    value: T,
    info: RequestInfo | null,
  ) {
    this.#t = t;
    this.#op = op;
    this.#comm = comm ?? WORLD;
    this.#info = info;
    if (op === null) {
      this.#finished = true;
      this.#value = value;
      const st = new Status();
      st.source = PROC_NULL;
      st.tag = ANY_TAG;
      this.#status = st;
    }
  }

  /** @internal The backend, or null for a request that completed at once. */
  get transport(): Transport | null {
    return this.#t;
  }

  /** True once the operation has completed (does not make progress; use `test`). */
  get done(): boolean {
    return this.#finished || (this.#op !== null && this.#op.done);
  }

  /** Waits for completion; returns the received value (undefined for a send). */
  wait(status?: Status): T {
    return this.#wait(status, false);
  }

  /** @internal Waits, recording the wait as `waitAll` when `all`. */
  waitIn(status: Status | undefined, all: boolean): T {
    return this.#wait(status, all);
  }

  #wait(status: Status | undefined, all: boolean): T {
    if (!this.#finished) {
      const t = this.#t!;
      const info = this.#info!;
      t.enter(
        all ? (info.send ? C_WAITALL_SEND : C_WAITALL) : (info.send ? C_WAIT_SEND : C_WAIT),
        info.peer,
        info.tag,
        info.context,
      );
      try {
        const m = t.wait(this.#op!);
        // Now complete: any error below belongs to the operation itself.
        this.#finished = true;
        const st = new Status();
        if (m === null) this.#value = undefined as T; // a send
        else {
          fillStatus(st, m, this.#comm);
          if (info.into !== null) {
            checkInto(m, info.into, info.call, this.#comm);
            this.#value = undefined as T;
          } else this.#value = valueOf(m, info.call) as T;
        }
        this.#status = st;
      } catch (e) {
        // An error that interrupted the wait (the job stopping, the unexpected
        // queue's bound) leaves the request pending; one of the operation
        // (truncation, a message of the wrong kind) completes it.
        nameCall(info.call, e);
        if (!this.#finished) throw e;
        this.#error = e;
      } finally {
        t.leave();
      }
    }
    return this.#result(status);
  }

  /** Makes progress; returns `[true, value]` once complete, else `[false, null]`. */
  test(status?: Status): [boolean, T | null] {
    if (!this.#finished) {
      try {
        if (!this.#t!.test(this.#op!)) return [false, null];
      } catch (e) {
        throw nameCall(this.#info!.call, e);
      }
      return [true, this.wait(status)];
    }
    return [true, this.#result(status)];
  }

  #result(status?: Status): T {
    if (this.#error !== null) throw this.#error;
    if (status !== undefined && this.#status !== null) {
      status.source = this.#status.source;
      status.tag = this.#status.tag;
      status.bytes = this.#status.bytes;
    }
    return this.#value as T;
  }
}

/**
 * Waits for every request; returns their values in order. Every request is
 * waited for even if one fails; the first failure is then thrown.
 */
export function waitAll<T = unknown>(
  requests: readonly Request<T>[],
  statuses?: Status[],
): T[] {
  if (!Array.isArray(requests)) {
    throw new SpmdError(
      `waitAll: requests must be an array of Request, got ${typeof requests}`,
      "MPI_ERR_REQUEST",
    );
  }
  for (let i = 0; i < requests.length; i++) {
    if (!(requests[i] instanceof Request)) {
      throw new SpmdError(
        `waitAll: requests[${i}] is not a Request`,
        "MPI_ERR_REQUEST",
      );
    }
  }
  const out: T[] = new Array(requests.length);
  let first: unknown = null;
  for (let i = 0; i < requests.length; i++) {
    try {
      const st = statuses ? (statuses[i] ??= new Status()) : undefined;
      out[i] = requests[i].waitIn(st, true);
    } catch (e) {
      first ??= e;
    }
  }
  if (first !== null) throw first;
  return out;
}
