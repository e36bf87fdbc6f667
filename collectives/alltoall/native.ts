/**
 * All-to-all on the backend's own collectives (MPI_Alltoall, through
 * `Transport.native`), for `alltoallInto`: after one round in which the
 * ranks agree on the block's type and length (`../_native.ts`; or every
 * rank throws the same error), the library moves every block straight from
 * the caller's `send` (or, in place, `recv`) into its place.
 *
 * @module
 */

import type { NativeCollectives } from "../../transport/transport.ts";
import type { NumericArray } from "../../transport/typed.ts";
import type { Coll } from "../_coll.ts";
import type { Bad } from "../_fault.ts";
import { nativeRound } from "../_native.ts";

/** Exchanges `send`'s blocks (`blk` bytes each; null for IN_PLACE) into `recv`; false when too large. */
export function alltoallNative(
  c: Coll,
  n: NativeCollectives,
  kind: number,
  send: NumericArray | null,
  blk: number,
  recv: NumericArray,
  bad: Bad | null,
  value: unknown,
): boolean {
  nativeRound(c, n, kind, blk, 1, bad, value, null);
  if (blk > n.maxCount) return false;
  n.alltoall(c.context, send, recv, blk);
  return true;
}
