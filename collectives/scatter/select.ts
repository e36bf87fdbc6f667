/**
 * `scatter`: the selector. One algorithm, `binomial`. Forced by
 * `SPMD_COLL_SCATTER` (see `../_forced.ts`).
 *
 * @module
 */

import type { Coll } from "../_coll.ts";
import { forcedBy, ran } from "../_forced.ts";
import { scatterBinomial } from "./binomial.ts";

const forced = forcedBy("scatter", ["binomial", "native", "slots"]);

/** Root passes `values` (size of them), others null; returns this rank's value. */
export function scatter(c: Coll, values: readonly unknown[] | null, root: number): unknown {
  forced(c.call);
  ran(c, "scatter", "binomial");
  return scatterBinomial(c, values, root);
}
