// The algorithm an allreduce of a large-eligible typed array (a commutative, element-wise op, at least one element per
// rank) runs by itself on `size` ranks, for the test programs' checks of which algorithm ran.
import { allreduceLargeFrom } from "../../collectives/allreduce/select.ts";
import { halvingChosen } from "../../collectives/allreduce/halving_doubling.ts";

/** "recursive_doubling", "ring" or "halving_doubling": the automatic choice for an array of `bytes` on `size` ranks. */
export function autoAllreduce(size: number, bytes: number): string {
  if (bytes < allreduceLargeFrom(size)) return "recursive_doubling";
  return halvingChosen(size) ? "halving_doubling" : "ring";
}
