/**
 * Gather and allgather on the backend's own collectives (MPI_Gather,
 * MPI_Allgather, through `Transport.native`), for `gatherInto` and
 * `allgatherInto`: after one round in which the ranks agree on the block's
 * type and length and the root (`../_native.ts`; or every rank throws the
 * same error), the library moves every block straight from the caller's
 * memory into the root's (or every rank's) `recv`.
 *
 * @module
 */

import type { NativeCollectives } from "../../transport/transport.ts";
import type { NumericArray } from "../../transport/typed.ts";
import type { Coll } from "../_coll.ts";
import type { Bad } from "../_fault.ts";
import { nativeRound } from "../_native.ts";

/**
 * Gathers this rank's block (`send`, `blk` bytes of element kind `kind`;
 * null for IN_PLACE, the block already in `recv`) into `recv` on `root`, or
 * on every rank when `root` is −1. False when a block is too large for one
 * call of the library (the ranks agree; gather it otherwise). `value` is
 * what this rank passed, for errors (with `block` ≥ 0: its block of that
 * many elements).
 */
export function gatherNative(
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
  nativeRound(c, n, kind, blk, root + 2, bad, value, null, true, block);
  if (blk > n.maxCount) return false;
  if (root < 0) n.allgather(c.context, send, recv!, blk);
  else n.gather(c.context, send, c.rank === root ? recv : null, blk, root);
  return true;
}
