/**
 * {@linkcode waitAll}: waits for every request of a list.
 *
 * @module
 */

import type { Request } from "./request.ts";
import { checkRequests, checkStatuses } from "./_requests.ts";
import { Status } from "./status.ts";

/**
 * Waits for every request; returns their values in order. Every request is
 * waited for even if one fails; the first failure is then thrown.
 *
 * @param requests The requests.
 * @param statuses Filled in, one {@linkcode Status} per request, when given.
 * @returns The requests' values, in order.
 * @throws {SpmdError} `MPI_ERR_REQUEST` if `requests` is not an array of requests; `MPI_ERR_ARG` if `statuses` is not an array; the first error of a request (e.g. {@linkcode TruncateError}).
 * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
 *
 * @example
 * ```ts
 * import { waitAll, world } from "@spmd/spmd";
 * import { deepEqual } from "node:assert/strict";
 *
 * const comm = world();
 * const next = (comm.rank + 1) % comm.size;
 * const prev = (comm.rank - 1 + comm.size) % comm.size;
 * const rs = [comm.irecv(prev, 35), comm.isend(comm.rank, next, 35)];
 * deepEqual(waitAll(rs), [prev, undefined]);
 * ```
 */
export function waitAll<T = unknown>(
  requests: readonly Request<T>[],
  statuses?: Status[],
): T[] {
  checkRequests("waitAll", requests);
  checkStatuses("waitAll", statuses, false, requests.length);
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
