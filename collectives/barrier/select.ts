/**
 * `barrier`: the selector. One algorithm, `dissemination`. Forced by
 * `SPMD_COLL_BARRIER` (see `../_forced.ts`).
 *
 * @module
 */

import type { Coll } from "../_coll.ts";
import { forcedBy, lastRun } from "../_forced.ts";
import { barrierDissemination } from "./dissemination.ts";

const forced = forcedBy("barrier", ["dissemination"]);

/** Blocks until every rank of the communicator has entered the barrier. */
export function barrier(c: Coll): void {
  forced(c.call);
  lastRun.barrier = "dissemination";
  barrierDissemination(c);
}
