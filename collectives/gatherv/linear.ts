/**
 * Gather of unequal typed-array blocks to a root (MPI_Gatherv), linear.
 *
 * Cost: every rank sends its block straight to the root, which receives
 * each directly into its place in the result (no intermediate copies), as
 * MPICH does for the vector variants. The selector has checked the blocks.
 *
 * @module
 */

import { allocTyped, bytesOf, typedKind } from "../../transport/typed.ts";
import { extentOf } from "../_agree.ts";
import type { Coll } from "../_coll.ts";
import { T_GATHERV } from "../../transport/calls.ts";
import type { PendingOp } from "../../transport/transport.ts";

/** Returns every rank's block on `root`, rank r's at `displs[r]` (gaps zero), null elsewhere. */
export function gathervLinear(
  c: Coll,
  array: ArrayBufferView,
  counts: readonly number[],
  root: number,
  displs: readonly number[],
): ArrayBufferView | null {
  const { rank, size } = c;
  if (rank !== root) {
    if (counts[rank] > 0) c.send(array, root, T_GATHERV);
    return null;
  }
  const kind = typedKind(array);
  const bpe = (array as Float64Array).BYTES_PER_ELEMENT ?? 1;
  const out = allocTyped(kind, extentOf(counts, displs) * bpe);
  const u8 = bytesOf(out);
  const ops: [PendingOp, Uint8Array][] = [];
  for (let r = 0; r < size; r++) {
    if (r === rank || counts[r] === 0) continue;
    const into = u8.subarray(displs[r] * bpe, (displs[r] + counts[r]) * bpe);
    ops.push([c.irecvInto(into, r, T_GATHERV), into]);
  }
  u8.set(bytesOf(array), displs[rank] * bpe);
  for (const [op, into] of ops) c.waitInto(op, into);
  return out;
}
