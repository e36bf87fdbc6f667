/**
 * {@linkcode Request}: a non-blocking send or receive in flight.
 *
 * @module
 */

import { CollOp } from "./_nbc.ts";
import { ANY_TAG, PROC_NULL } from "./constants.ts";
import { nameCall } from "./errors.ts";
import { awaitPoll } from "./_await.ts";
import { SyncSend } from "./_ack.ts";
import { checkInto, type LocalRanks, valueOf } from "./_message.ts";
import { Status } from "./status.ts";
import { checkStatus } from "./_validate.ts";
import { callCode } from "./transport/calls.ts";
import type { PendingOp, Transport } from "./transport/transport.ts";

const C_WAIT = callCode("wait");
const C_WAIT_SEND = callCode("waitSend");
const C_WAITALL = callCode("waitAll");
const C_WAITALL_SEND = callCode("waitAllSend");

/** Request.#lazy: no Status yet; a send's (empty); a receive's (from the message's envelope). */
const NO_STATUS = 0;
const SENT_STATUS = 1;
const RECEIVED_STATUS = 2;

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
 * A request is also a promise-like (a thenable): `await request` gives
 * what `wait()` gives, but yields to the event loop while it waits, so a
 * rank can mix message passing with timers, `fetch` and file I/O. The
 * price is latency: an awaited request is checked once per event-loop
 * round, a few microseconds apart at first, then (after about 2,000 rounds
 * without a completion) about 1 ms apart, so the rank stops spinning; use
 * `wait()` where latency matters. (Measured in a 2-rank ping-pong of
 * numbers on a loaded 2-core machine: 19 µs one way with `await` against
 * 12 µs with `wait()`.)
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * import { deepEqual } from "node:assert/strict";
 *
 * const comm = world();
 * const r = comm.irecv(comm.rank, 5);
 * comm.send({ hello: "me" }, comm.rank, 5);
 * deepEqual(await r, { hello: "me" });
 * ```
 */
export class Request<T = unknown> implements PromiseLike<T> {
  readonly #t: Transport | null;
  readonly #op: PendingOp | null;
  readonly #comm: LocalRanks;
  readonly #info: RequestInfo | null;
  #finished = false;
  #value: T | null = null;
  #status: Status | null = null;
  /** How a null `#status` is made when asked for: a completed request allocates none unless one is asked for. */
  #lazy = NO_STATUS;
  #mSource = 0;
  #mTag = 0;
  #mBytes = 0;
  #error: unknown = null;
  #promise: Promise<T> | null = null;

  /**
   * @ignore Created by `Comm`; `op` null means a request that completed
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

  /** @ignore The backend, or null for a request that completed at once. */
  get transport(): Transport | null {
    return this.#t;
  }

  /** @ignore The backend's pending operation (null for a request that completed at once). */
  get pendingOp(): PendingOp | null {
    return this.#op;
  }

  /** @ignore Context of the operation's communicator (−1 for a request that completed at once). */
  get context(): number {
    return this.#info?.context ?? -1;
  }

  /**
   * True once the operation has completed (does not make progress; use `test`).
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const r = comm.irecv(comm.rank, 30);
   * equal(r.done, false);
   * comm.send(1, comm.rank, 30);
   * r.wait();
   * equal(r.done, true);
   * ```
   */
  get done(): boolean {
    return this.#finished || (this.#op !== null && this.#op.done);
  }

  /**
   * Waits for completion; returns the received value (undefined for a send).
   *
   * @param status A {@linkcode Status} to fill in.
   * @returns The received value; `undefined` for a send.
   * @throws {TruncateError} `MPI_ERR_TRUNCATE` if the message of an `irecvInto` did not fit its buffer.
   * @throws {SpmdError} `MPI_ERR_TYPE` if the message of an `irecvInto` was not a typed array.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { Status, world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const next = (comm.rank + 1) % comm.size;
   * const prev = (comm.rank - 1 + comm.size) % comm.size;
   * const r = comm.irecv(prev, 31);
   * comm.send("ring", next, 31);
   * const st = new Status();
   * equal(r.wait(st), "ring");
   * equal(st.source, prev);
   * ```
   */
  wait(status?: Status): T {
    checkStatus("wait", status);
    return this.#wait(status, false);
  }

  /** @ignore Waits, recording the wait as `waitAll` when `all`. */
  waitIn(status: Status | undefined, all: boolean): T {
    return this.#wait(status, all);
  }

  #wait(status: Status | undefined, all: boolean): T {
    if (!this.#finished) {
      const t = this.#t!;
      const info = this.#info!;
      const op0 = this.#op!;
      if (info.send && op0.done && !(op0 instanceof SyncSend) && !(op0 instanceof CollOp)) {
        // A send that has gone (most do, at once): nothing to wait for or record; its Status is made if asked for.
        try {
          t.wait(op0);
        } catch (e) {
          throw nameCall(info.call, e);
        }
        this.#finished = true;
        this.#value = undefined as T;
        this.#lazy = SENT_STATUS;
        return this.#result(status);
      }
      t.enter(
        all ? (info.send ? C_WAITALL_SEND : C_WAITALL) : (info.send ? C_WAIT_SEND : C_WAIT),
        info.peer,
        info.tag,
        info.context,
      );
      try {
        const op = this.#op!;
        const m = t.wait(op);
        if (op instanceof SyncSend) t.wait(op.ack); // done: the backend forgets the acknowledgement's receive
        // Now complete: any error below belongs to the operation itself.
        this.#finished = true;
        if (m === null || op instanceof CollOp) {
          this.#lazy = SENT_STATUS; // a send, or a nonblocking collective: an empty Status
          this.#value = op instanceof CollOp ? op.outcome() as T : undefined as T; // a collective throws its error
        } else {
          this.#lazy = RECEIVED_STATUS; // a Status asked for is filled from these (as fillStatus does)
          this.#mSource = this.#comm.localRank(m.source);
          this.#mTag = m.tag;
          this.#mBytes = m.length;
          if (info.into !== null) {
            checkInto(m, info.into, info.call, this.#comm);
            this.#value = undefined as T;
          } else this.#value = valueOf(m, info.call) as T;
        }
      } catch (e) {
        // An error that interrupted the wait (the job stopping, the unexpected
        // queue's bound) leaves the request pending; one of the operation
        // (truncation, a message of the wrong kind) completes it.
        nameCall(info.call, e);
        if (!this.#finished) throw e;
        this.#error = e;
        this.status!.error = e instanceof Error ? e : new Error(String(e));
      } finally {
        t.leave();
      }
    }
    return this.#result(status);
  }

  /**
   * Makes progress; returns `[true, value]` once complete, else `[false, null]`.
   *
   * @param status A {@linkcode Status} to fill in once complete.
   * @returns `[true, value]` once complete, else `[false, null]`.
   * @throws {TruncateError} `MPI_ERR_TRUNCATE` as `wait`.
   * @throws {SpmdError} `MPI_ERR_TYPE` as `wait`.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const r = comm.irecv(comm.rank, 32);
   * deepEqual(r.test(), [false, null]);
   * comm.send("now", comm.rank, 32);
   * let t = r.test();
   * while (!t[0]) t = r.test();
   * deepEqual(t, [true, "now"]);
   * ```
   */
  test(status?: Status): [boolean, T | null] {
    checkStatus("test", status);
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
    if (status !== undefined && status !== null) {
      if (this.#status === null && this.#lazy === RECEIVED_STATUS) this.#fill(status); // makes no Status of its own
      else if (this.status !== null) Object.assign(status, this.#status); // source, tag, bytes, error, cancelled
    }
    if (this.#error !== null) throw this.#error;
    return this.#value as T;
  }

  /**
   * The {@linkcode Status} of the completed operation (source, tag, bytes,
   * `error`, `cancelled`), or null until `wait`, `test`, an `await` or one
   * of `waitAny`/`testAny`/`waitSome`/`testAll` has seen it complete.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const r = comm.irecv(comm.rank, 33);
   * equal(r.status === null, true); // not complete yet
   * comm.send(new Int16Array(4), comm.rank, 33);
   * r.wait();
   * equal(r.status?.count(Int16Array), 4);
   * ```
   */
  get status(): Status | null {
    if (this.#status === null && this.#lazy !== NO_STATUS) {
      this.#status = new Status();
      if (this.#lazy === RECEIVED_STATUS) this.#fill(this.#status);
    }
    return this.#status;
  }

  /** Writes a completed receive's envelope into `st`, as fillStatus does. */
  #fill(st: Status): void {
    st.source = this.#mSource;
    st.tag = this.#mTag;
    st.bytes = this.#mBytes;
    st.error = null;
    st.cancelled = false;
  }

  /**
   * Cancels a receive that no message has matched yet (MPI_Cancel): the
   * receive is withdrawn, so no message will go to it; the request is then
   * complete, `wait()` returns undefined and `status.cancelled` is true.
   * Returns whether it was cancelled. A receive that has already matched a
   * message, and any send, cannot be cancelled (as in MPI, where sends may
   * not be cancelled since MPI-4): the request completes normally, with
   * `status.cancelled` false.
   *
   * @returns Whether the receive was withdrawn.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const r = comm.irecv(comm.rank, 99); // nothing is ever sent with tag 99
   * equal(r.cancel(), true);
   * equal(r.wait(), undefined);
   * equal(r.status?.cancelled, true);
   * ```
   */
  cancel(): boolean {
    if (this.#finished || this.#op === null || this.#info!.send) return false;
    if (!this.#t!.matching.cancel(this.#op)) return false;
    this.#finished = true;
    this.#value = undefined as T;
    const st = this.#status = new Status();
    st.cancelled = true;
    return true;
  }

  /**
   * Makes `await request` work: resolves with what `wait()` returns, or
   * rejects with what it throws, checking once per event-loop round (see
   * the class documentation for the latency this costs).
   *
   * @param onFulfilled Called with the value.
   * @param onRejected Called with the error.
   * @returns A promise of what the callbacks return.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const r = comm.irecv<number>(comm.rank, 34);
   * setTimeout(() => comm.send(7, comm.rank, 34), 0); // sent later, while the rank awaits
   * equal(await r.then((v) => v * 2), 14);
   * ```
   */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.#promise ??= new Promise<T>((resolve, reject) => {
      let polls = 0;
      const poll = (): boolean => {
        let r: [boolean, T | null];
        try {
          r = this.test();
          // A peer that has ended never answers: every 64th round asks the backend, and if so waits, which
          // fails as a blocking wait would (naming the call), instead of polling on forever.
          if (!r[0] && (++polls & 63) === 0 && this.#op !== null && this.#t?.hopeless?.(this.#op)) {
            r = [true, this.wait()];
          }
        } catch (e) {
          reject(e);
          return true;
        }
        if (r[0]) resolve(r[1] as T);
        return r[0];
      };
      if (!poll()) awaitPoll({ poll });
    });
    return this.#promise.then(onFulfilled, onRejected);
  }
}
