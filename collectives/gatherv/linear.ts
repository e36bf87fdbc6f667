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
import { offsetsOf } from "../_blocks.ts";
import type { Coll } from "../_coll.ts";
import { T_GATHERV } from "../../transport/calls.ts";
import type { PendingOp } from "../../transport/transport.ts";

/** Returns the concatenation of every rank's block on `root`, null elsewhere. */
export function gathervLinear(
  c: Coll,
  array: ArrayBufferView,
  counts: readonly number[],
  root: number,
): ArrayBufferView | null {
  const { rank, size } = c;
  if (rank !== root) {
    if (counts[rank] > 0) c.send(array, root, T_GATHERV);
    return null;
  }
  const kind = typedKind(array);
  const bpe = (array as Float64Array).BYTES_PER_ELEMENT ?? 1;
  const off = offsetsOf(counts);
  const out = allocTyped(kind, off[size] * bpe);
  const u8 = bytesOf(out);
  const ops: [PendingOp, Uint8Array][] = [];
  for (let r = 0; r < size; r++) {
    if (r === rank || counts[r] === 0) continue;
    const into = u8.subarray(off[r] * bpe, off[r + 1] * bpe);
    ops.push([c.irecvInto(into, r, T_GATHERV), into]);
  }
  u8.set(bytesOf(array), off[rank] * bpe);
  for (const [op, into] of ops) c.waitInto(op, into);
  return out;
}
