/**
 * {@linkcode waitAny}, {@linkcode testAny}, {@linkcode waitSome},
 * {@linkcode testSome} and {@linkcode testAll}: completing one of several requests (with
 * `waitAll` in request.ts).
 *
 * @module
 */

import { describe, SpmdError } from "./errors.ts";
import { Request } from "./request.ts";
import { Status } from "./status.ts";
import { callCode } from "./transport/calls.ts";
import type { PendingOp, Transport } from "./transport/transport.ts";

const C_WAITANY = callCode("waitAny");
const C_WAITSOME = callCode("waitSome");

/** The first request that has a backend (null: all completed at once), for the activity record. */
function pending(requests: readonly Request<unknown>[]): Request<unknown> | null {
  for (const r of requests) if (r.transport !== null) return r;
  return null;
}

/** Requests that `waitAny`, `testAny` or `waitSome` has returned (MPI's REQUEST_NULL). */
const inactive = new WeakSet<Request<unknown>>();

/** Throws MPI_ERR_REQUEST unless `requests` is an array of requests. */
export function checkRequests(call: string, requests: unknown): void {
  if (!Array.isArray(requests)) {
    throw new SpmdError(`${call}: requests must be an array of Request, got ${describe(requests)}`, "MPI_ERR_REQUEST");
  }
  for (let i = 0; i < requests.length; i++) {
    if (!(requests[i] instanceof Request)) {
      throw new SpmdError(`${call}: requests[${i}] is not a Request, got ${describe(requests[i])}`, "MPI_ERR_REQUEST");
    }
  }
}

/**
 * Throws MPI_ERR_ARG unless `statuses` is undefined or (`one`) a Status, (else) an array whose first `n` entries
 * (one per request) are Statuses or holes, which the call fills: checked before any request is waited for.
 */
export function checkStatuses(call: string, statuses: unknown, one: boolean, n = 0): void {
  if (statuses === undefined) return;
  if (one ? !(statuses instanceof Status) : !Array.isArray(statuses)) {
    throw new SpmdError(
      `${call}: ${one ? "status must be a Status" : "statuses must be an array"}, got ${describe(statuses)}`,
      "MPI_ERR_ARG",
    );
  }
  for (let i = 0; i < n; i++) {
    const st: unknown = (statuses as unknown[])[i];
    if (st !== undefined && st !== null && !(st instanceof Status)) {
      throw new SpmdError(`${call}: statuses[${i}] must be a Status, got ${describe(st)}`, "MPI_ERR_ARG");
    }
  }
}

/**
 * Tests request `r`: `[done, value]`. An error of the operation itself
 * completes it: it becomes inactive when `retire`, and the error is thrown.
 */
function testOne<T>(r: Request<T>, status: Status | undefined, retire: boolean): [boolean, T | null] {
  try {
    return r.test(status);
  } catch (e) {
    if (retire && r.status !== null) inactive.add(r);
    throw e;
  }
}

/**
 * What `waitAny` and `waitSome` wait for while several requests are active:
 * any of them done. The backend's wait loop reads `done` (so the wait
 * spins, sleeps on the doorbell, sees aborts and counts for the deadlock
 * monitor, as a blocking receive does); every 8th read, at most every
 * 100 ms (a wait that has spun out reads `done` only a few times per 200 ms
 * sleep), also asks the backend whether each active request can still
 * complete, and ends the wait
 * once none can (`hopeless`: the caller then waits for one, which fails
 * naming its peer).
 */
class AnyDone implements PendingOp {
  hopeless = false;
  #reads = 0;
  #next = 0;
  readonly #requests: readonly Request<unknown>[];
  readonly #t: Transport;
  constructor(requests: readonly Request<unknown>[], t: Transport) {
    this.#requests = requests;
    this.#t = t;
  }
  get done(): boolean {
    const check = (this.#reads = (this.#reads + 1) & 7) === 0 && this.#t.hopeless !== undefined &&
      performance.now() >= this.#next;
    if (check) this.#next = performance.now() + 100;
    let active = 0;
    let lost = 0;
    for (const r of this.#requests) {
      if (inactive.has(r)) continue;
      active++;
      if (r.done) return true;
      const op = r.pendingOp;
      if (check && op !== null && this.#t.hopeless!(op) !== null) lost++;
    }
    return this.hopeless = check && lost === active;
  }
}

/** Blocks in the backend until one of the active `requests` is done, or none can ever be (then returns the first such). */
function waitForAny(requests: readonly Request<unknown>[]): number {
  const t = pending(requests)?.transport;
  if (t === undefined || t === null) return -1;
  const any = new AnyDone(requests, t);
  t.wait(any);
  if (!any.hopeless) return -1;
  return requests.findIndex((r) => !inactive.has(r));
}

/**
 * Waits until one of the active `requests` completes; returns
 * `[index, value]` and makes that request inactive (MPI's REQUEST_NULL):
 * later `waitAny`/`testAny`/`waitSome` calls on the same array skip it.
 * `[-1, undefined]` when none is active (MPI_UNDEFINED). A request whose
 * operation failed (e.g. truncation) is made inactive and its error
 * thrown. It waits as a blocking receive does (spinning, then sleeping
 * until a message arrives; the launcher's deadlock report names it), and
 * when none of the active requests can ever complete (their peers have
 * finished) it fails as `wait()` on one of them would.
 *
 * @param requests The requests (inactive ones are skipped).
 * @param status Filled in with the completed request's {@linkcode Status}, when given.
 * @returns `[index, value]` of the request that completed; `[-1, undefined]` when none is active.
 * @throws {SpmdError} `MPI_ERR_REQUEST` if `requests` is not an array of requests; `MPI_ERR_ARG` if `status` is not a Status; the error of the request that failed (e.g. {@linkcode TruncateError}).
 * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
 *
 * @example
 * ```ts
 * import { waitAny, world } from "@spmd/spmd";
 * import { deepEqual, ok } from "node:assert/strict";
 *
 * const comm = world();
 * const rs = [comm.irecv(comm.rank, 1), comm.irecv(comm.rank, 2)];
 * comm.send("two", comm.rank, 2);
 * comm.send("one", comm.rank, 1);
 * const [i, value] = waitAny(rs); // [0, "one"] or [1, "two"]
 * ok((i === 0 && value === "one") || (i === 1 && value === "two"));
 * deepEqual(waitAny(rs), i === 0 ? [1, "two"] : [0, "one"]); // the other one
 * ```
 */
export function waitAny<T = unknown>(requests: readonly Request<T>[], status?: Status): [number, T | undefined] {
  checkRequests("waitAny", requests);
  checkStatuses("waitAny", status, true);
  const p = pending(requests);
  const t = p?.transport;
  t?.enter(C_WAITANY, -1, -1, p!.context);
  try {
    return anyOf(requests, status);
  } finally {
    t?.leave();
  }
}

function anyOf<T>(requests: readonly Request<T>[], status: Status | undefined): [number, T | undefined] {
  for (let rounds = 0;; rounds++) {
    let active = 0;
    let last = -1;
    for (let i = 0; i < requests.length; i++) {
      const r = requests[i];
      if (inactive.has(r)) continue;
      active++;
      last = i;
      const [done, v] = testOne(r, status, true);
      if (done) {
        inactive.add(r);
        return [i, v as T];
      }
    }
    if (active === 0) return [-1, undefined];
    const lost = active === 1 ? last : rounds > 0 ? waitForAny(requests) : -1;
    if (lost >= 0) {
      // the one left (waited for as wait() does), or one that can never complete (its wait fails, naming why)
      const r = requests[lost];
      try {
        return [lost, r.wait(status)];
      } finally {
        if (r.status !== null) inactive.add(r);
      }
    }
  }
}

/**
 * Tests the active `requests` once, without blocking (MPI_Testany):
 * `[index, true, value]` for the first that has completed (it becomes
 * inactive, as with {@linkcode waitAny}); `[-1, false, null]` when none
 * has; `[-1, true, undefined]` when none is active.
 *
 * @param requests The requests (inactive ones are skipped).
 * @param status Filled in with the completed request's {@linkcode Status}, when given.
 * @returns `[index, true, value]`, `[-1, false, null]` or `[-1, true, undefined]`, as above.
 * @throws {SpmdError} `MPI_ERR_REQUEST` if `requests` is not an array of requests; `MPI_ERR_ARG` if `status` is not a Status; the error of a request that failed (e.g. {@linkcode TruncateError}), which becomes inactive.
 *
 * @example
 * ```ts
 * import { testAny, world } from "@spmd/spmd";
 * import { deepEqual } from "node:assert/strict";
 *
 * const comm = world();
 * const rs = [comm.irecv(comm.rank, 3), comm.irecv(comm.rank, 4)];
 * deepEqual(testAny(rs), [-1, false, null]); // nothing has arrived
 * comm.send("four", comm.rank, 4);
 * deepEqual(testAny(rs), [1, true, "four"]);
 * comm.send("three", comm.rank, 3);
 * deepEqual(testAny(rs), [0, true, "three"]);
 * deepEqual(testAny(rs), [-1, true, undefined]); // none is active
 * ```
 */
export function testAny<T = unknown>(
  requests: readonly Request<T>[],
  status?: Status,
): [number, boolean, T | null | undefined] {
  checkRequests("testAny", requests);
  checkStatuses("testAny", status, true);
  let active = false;
  for (let i = 0; i < requests.length; i++) {
    const r = requests[i];
    if (inactive.has(r)) continue;
    active = true;
    const [done, v] = testOne(r, status, true);
    if (done) {
      inactive.add(r);
      return [i, true, v];
    }
  }
  return active ? [-1, false, null] : [-1, true, undefined];
}

/**
 * Waits until at least one of the active `requests` completes
 * (MPI_Waitsome); returns the indices and values of every active request
 * that has completed by then (`[[], []]` when none is active), and makes
 * them inactive. `statuses`, when given, receives one Status per returned
 * index, in order. A request whose operation failed is made inactive and
 * its error thrown (the others that completed stay active, for the next
 * call).
 *
 * @param requests The requests (inactive ones are skipped).
 * @param statuses Filled in, one {@linkcode Status} per returned index, when given.
 * @returns `[indices, values]` of the requests that completed, in order.
 * @throws {SpmdError} `MPI_ERR_REQUEST` if `requests` is not an array of requests; `MPI_ERR_ARG` if `statuses` is not an array; the error of a request that failed (e.g. {@linkcode TruncateError}).
 * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
 *
 * @example
 * ```ts
 * import { type Status, waitSome, world } from "@spmd/spmd";
 * import { deepEqual, equal } from "node:assert/strict";
 *
 * const comm = world();
 * const rs = [comm.irecv(comm.rank, 5), comm.irecv(comm.rank, 6), comm.irecv(comm.rank, 7)];
 * comm.send("b", comm.rank, 6);
 * deepEqual(waitSome(rs), [[1], ["b"]]);
 * comm.send("a", comm.rank, 5);
 * comm.send("c", comm.rank, 7);
 * const statuses: Status[] = [];
 * deepEqual(waitSome(rs, statuses), [[0, 2], ["a", "c"]]);
 * equal(statuses[1].tag, 7);
 * deepEqual(waitSome(rs), [[], []]); // none is active
 * ```
 */
export function waitSome<T = unknown>(requests: readonly Request<T>[], statuses?: Status[]): [number[], T[]] {
  checkRequests("waitSome", requests);
  checkStatuses("waitSome", statuses, false, requests.length);
  const p = pending(requests);
  const t = p?.transport;
  t?.enter(C_WAITSOME, -1, -1, p!.context);
  try {
    return someOf(requests, statuses);
  } finally {
    t?.leave();
  }
}

function someOf<T>(requests: readonly Request<T>[], statuses: Status[] | undefined): [number[], T[]] {
  for (let rounds = 0;; rounds++) {
    const indices: number[] = [];
    const values: T[] = [];
    let active = 0;
    let last = -1;
    for (let i = 0; i < requests.length; i++) {
      const r = requests[i];
      if (inactive.has(r)) continue;
      active++;
      last = i;
      const [done, v] = testOne(r, undefined, true);
      if (done) {
        indices.push(i);
        values.push(v as T);
      }
    }
    const lost = indices.length > 0 || active === 0 ? -1 : active === 1 ? last : rounds > 0 ? waitForAny(requests) : -1;
    if (lost >= 0) {
      const r = requests[lost];
      try {
        values.push(r.wait());
        indices.push(lost);
      } finally {
        if (r.status !== null) inactive.add(r);
      }
    }
    if (indices.length > 0 || active === 0) {
      for (let k = 0; k < indices.length; k++) {
        const r = requests[indices[k]];
        inactive.add(r);
        if (statuses !== undefined) r.test(statuses[k] ??= new Status());
      }
      return [indices, values];
    }
  }
}

/**
 * Tests the active `requests` once, without blocking (MPI_Testsome):
 * returns the indices and values of those that have completed, in order,
 * and makes them inactive, as {@linkcode waitSome} does; `[[], []]` when
 * none has completed yet; null when none is active (MPI_UNDEFINED: mpi4py's
 * `Testsome` returns None), so that a loop over `testSome` can tell when
 * every request has been returned. `statuses`, when given, receives one
 * Status per returned index. A request whose operation failed is made
 * inactive and its error thrown (the others that completed stay active).
 *
 * @param requests The requests (inactive ones are skipped).
 * @param statuses Filled in, one {@linkcode Status} per returned index, when given.
 * @returns `[indices, values]` of the requests that completed (`[[], []]` if none has); `null` when none is active.
 * @throws {SpmdError} `MPI_ERR_REQUEST` if `requests` is not an array of requests; `MPI_ERR_ARG` if `statuses` is not an array; the error of a request that failed (e.g. {@linkcode TruncateError}).
 *
 * @example
 * ```ts
 * import { testSome, world } from "@spmd/spmd";
 * import { deepEqual, equal } from "node:assert/strict";
 *
 * const comm = world();
 * const rs = [comm.irecv(comm.rank, 1), comm.irecv(comm.rank, 2)];
 * deepEqual(testSome(rs), [[], []]); // nothing yet
 * comm.send("one", comm.rank, 1);
 * deepEqual(testSome(rs), [[0], ["one"]]);
 * comm.send("two", comm.rank, 2);
 * deepEqual(testSome(rs), [[1], ["two"]]);
 * equal(testSome(rs), null); // none is active
 * ```
 */
export function testSome<T = unknown>(requests: readonly Request<T>[], statuses?: Status[]): [number[], T[]] | null {
  checkRequests("testSome", requests);
  checkStatuses("testSome", statuses, false, requests.length);
  const indices: number[] = [];
  const values: T[] = [];
  let active = 0;
  for (let i = 0; i < requests.length; i++) {
    const r = requests[i];
    if (inactive.has(r)) continue;
    active++;
    const [done, v] = testOne(r, undefined, true);
    if (done) {
      indices.push(i);
      values.push(v as T);
    }
  }
  if (active === 0) return null;
  for (let k = 0; k < indices.length; k++) {
    const r = requests[indices[k]];
    inactive.add(r);
    if (statuses !== undefined) r.test(statuses[k] ??= new Status());
  }
  return [indices, values];
}

/**
 * Tests every request once, without blocking (MPI_Testall): `[true,
 * values]` (in order) when all have completed, else `[false, null]`. As
 * with {@linkcode waitAll}, a failed operation's error is thrown once all
 * have completed, and an inactive request gives its value again.
 *
 * @param requests The requests.
 * @param statuses Filled in, one {@linkcode Status} per request, when given.
 * @returns `[true, values]` when every request has completed; `[false, null]` otherwise.
 * @throws {SpmdError} `MPI_ERR_REQUEST` if `requests` is not an array of requests; `MPI_ERR_ARG` if `statuses` is not an array; once all have completed, the first error of a request (e.g. {@linkcode TruncateError}).
 *
 * @example
 * ```ts
 * import { testAll, world } from "@spmd/spmd";
 * import { deepEqual } from "node:assert/strict";
 *
 * const comm = world();
 * const rs = [comm.irecv(comm.rank, 8), comm.irecv(comm.rank, 9)];
 * comm.send(1, comm.rank, 8);
 * deepEqual(testAll(rs), [false, null]); // the second has not arrived
 * comm.send(2, comm.rank, 9);
 * deepEqual(testAll(rs), [true, [1, 2]]);
 * ```
 */
export function testAll<T = unknown>(requests: readonly Request<T>[], statuses?: Status[]): [boolean, T[] | null] {
  checkRequests("testAll", requests);
  checkStatuses("testAll", statuses, false, requests.length);
  const out: T[] = new Array(requests.length);
  let all = true;
  let first: unknown = null;
  for (let i = 0; i < requests.length; i++) {
    const r = requests[i];
    try {
      const [done, v] = r.test(statuses ? (statuses[i] ??= new Status()) : undefined);
      if (done) out[i] = v as T;
      else all = false;
    } catch (e) {
      if (r.status === null) throw e; // not the operation's own error: the wait was interrupted
      first ??= e;
    }
  }
  if (!all) return [false, null];
  if (first !== null) throw first;
  return [true, out];
}
