/**
 * Scatter on the backend's own collectives (MPI_Scatter, through
 * `Transport.native`), for `scatterInto`: after one round in which the
 * ranks agree on the block's type and length and the root
 * (`../_native.ts`; or every rank throws the same error), the library moves
 * each block straight from the root's `send` into its rank's `recv`.
 *
 * @module
 */

import type { NativeCollectives } from "../../transport/transport.ts";
import type { NumericArray } from "../../transport/typed.ts";
import type { Coll } from "../_coll.ts";
import type { Bad } from "../_fault.ts";
import { nativeRound } from "../_native.ts";

/**
 * Scatters the root's `send` (p blocks of `blk` bytes, element kind `kind`)
 * so that this rank's block lands in `recv` (null: the root with IN_PLACE).
 * False when a block is too large for one call of the library. `value` is
 * what this rank passed, for errors (`block` ≥ 0: described as one block of
 * that many elements).
 */
export function scatterNative(
  c: Coll,
  n: NativeCollectives,
  kind: number,
  send: NumericArray | null,
  blk: number,
  recv: NumericArray | null,
  root: number,
  bad: Bad | null,
  value: unknown,
  block = -1,
): boolean {
  nativeRound(c, n, kind, blk, root + 3, bad, value, null, true, block);
  if (blk > n.maxCount) return false;
  n.scatter(c.context, c.rank === root ? send : null, recv, blk, root);
  return true;
}
