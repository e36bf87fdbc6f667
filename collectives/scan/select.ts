/**
 * `scan` and `exscan`: the selector. One algorithm, `recursive_doubling`;
 * on a backend with collectives of its own (MPI), a round of agreement
 * first, then the library's scan for numbers and typed arrays with a
 * built-in op it has (`native.ts`). Forced, for both, by `SPMD_COLL_SCAN`
 * (see `../_forced.ts`).
 *
 * @module
 */

import type { Coll } from "../_coll.ts";
import type { Bad } from "../_fault.ts";
import { forcedBy, ran } from "../_forced.ts";
import type { Op } from "../../ops.ts";
import { scanRecursiveDoubling } from "./recursive_doubling.ts";
import { allreduceSlots } from "../allreduce/slots.ts";
import { scanNative } from "./native.ts";
import { NOT_NATIVE, served } from "../_native.ts";

const forced = forcedBy("scan", ["native", "recursive_doubling"]);

/**
 * Inclusive (`exclusive` false) or exclusive prefix reduction; exclusive
 * gives null on rank 0. `bad` is this rank's own input error.
 */
export function scan(c: Coll, value: unknown, op: Op, exclusive: boolean, bad: Bad | null = null): unknown {
  const force = served(c, forced(c.call));
  if (c.native !== null && c.size > 1 && (force === null || force === "native")) {
    // One round of agreement, then the library's own scan where it applies (native.ts).
    const r = scanNative(c, c.native, value, op, exclusive, bad);
    if (r !== NOT_NATIVE) {
      ran(c, "scan", "native");
      return r;
    }
  }
  ran(c, "scan", "recursive_doubling");
  // On the shared slots, first a round in which the ranks agree on call, op, type and length (or all fail alike).
  if (c.slots !== null && c.size > 1) allreduceSlots(c, c.slots, value, op, bad, null, false);
  return scanRecursiveDoubling(c, value, op, exclusive, bad);
}
