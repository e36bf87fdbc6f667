/**
 * `scan` and `exscan`: the selector. One algorithm, `recursive_doubling`.
 * Forced, for both, by `SPMD_COLL_SCAN` (see `../_forced.ts`).
 *
 * @module
 */

import type { Coll } from "../_coll.ts";
import type { Bad } from "../_fault.ts";
import { forcedBy, lastRun } from "../_forced.ts";
import type { Op } from "../../ops.ts";
import { scanRecursiveDoubling } from "./recursive_doubling.ts";

const forced = forcedBy("scan", ["recursive_doubling"]);

/**
 * Inclusive (`exclusive` false) or exclusive prefix reduction; exclusive
 * gives null on rank 0. `bad` is this rank's own input error.
 */
export function scan(c: Coll, value: unknown, op: Op, exclusive: boolean, bad: Bad | null = null): unknown {
  forced(c.call);
  lastRun.scan = "recursive_doubling";
  return scanRecursiveDoubling(c, value, op, exclusive, bad);
}
