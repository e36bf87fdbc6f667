/**
 * {@linkcode Request}: a non-blocking send or receive in flight.
 *
 * @module
 */

import { SpmdError } from "./errors.ts";
import { Status } from "./status.ts";
import type { PendingOp, Transport } from "./transport/transport.ts";
import { callCode } from "./transport/calls.ts";

const C_WAIT = callCode("wait");
const C_WAIT_SEND = callCode("waitSend");
const C_WAITALL = callCode("waitAll");
const C_WAITALL_SEND = callCode("waitAllSend");

/** What a request waits for, for reports: a receive's source or a send's destination (communicator ranks), tag, context. */
export interface RequestEnvelope {
  /** True for a send. */
  send: boolean;
  /** Source (receive) or destination (send), as the caller gave it. */
  peer: number;
  /** Tag. */
  tag: number;
  /** Context id of the communicator. */
  context: number;
}

/** Maps a world rank to a communicator rank (identity for the world). */
export type RankMap = (worldRank: number) => number;

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
  readonly #map: RankMap | null;
  readonly #env: RequestEnvelope | null;
  #finished = false;
  #value: T | null = null;
  #status: Status | null = null;
  #error: unknown = null;

  /** @internal Created by `Comm`; `op` null means an already-complete request. */
  constructor(
    t: Transport | null,
    op: PendingOp | null,
    map: RankMap | null,
    value: T | null = null,
    env: RequestEnvelope | null = null,
  ) {
    this.#t = t;
    this.#op = op;
    this.#map = map;
    this.#env = env;
    if (op === null) {
      this.#finished = true;
      this.#value = value;
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
      const st = new Status();
      const t = this.#t!;
      const e = this.#env;
      const send = e !== null && e.send;
      t.enter(
        all ? (send ? C_WAITALL_SEND : C_WAITALL) : (send ? C_WAIT_SEND : C_WAIT),
        e === null ? -1 : e.peer,
        e === null ? -1 : e.tag,
        e === null ? -1 : e.context,
      );
      try {
        this.#value = t.wait(this.#op!, st) as T;
      } catch (e) {
        // An error of the operation itself (truncation, a message of the
        // wrong kind) completes the request; one that interrupted the wait
        // (the job stopping, the unexpected queue's bound) leaves it pending.
        if (!this.#op!.done) throw e;
        this.#error = e;
      } finally {
        t.leave();
      }
      this.#complete(st);
    }
    return this.#result(status);
  }

  /** Makes progress; returns `[true, value]` once complete, else `[false, null]`. */
  test(status?: Status): [boolean, T | null] {
    if (!this.#finished) {
      if (!this.#t!.test(this.#op!)) return [false, null];
      return [true, this.wait(status)];
    }
    return [true, this.#result(status)];
  }

  #complete(st: Status): void {
    this.#finished = true;
    if (this.#map !== null && st.source >= 0) st.source = this.#map(st.source);
    this.#status = st;
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
