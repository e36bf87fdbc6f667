/**
 * Allgather on the backend's own collectives (MPI_Allgather, through
 * `Transport.native`), for `allgatherInto`: `../gather/native.ts` with every
 * rank as a root.
 *
 * @module
 */

import type { NativeCollectives } from "../../transport/transport.ts";
import type { NumericArray } from "../../transport/typed.ts";
import type { Coll } from "../_coll.ts";
import type { Bad } from "../_fault.ts";
import { gatherNative } from "../gather/native.ts";

/** Allgathers this rank's block (`send`; null for IN_PLACE) into `recv`; false when too large for the library. */
export function allgatherNative(
  c: Coll,
  n: NativeCollectives,
  kind: number,
  send: NumericArray | null,
  blk: number,
  recv: NumericArray,
  bad: Bad | null,
  value: unknown,
  block = -1,
): boolean {
  return gatherNative(c, n, kind, send, blk, recv, -1, bad, value, block);
}
