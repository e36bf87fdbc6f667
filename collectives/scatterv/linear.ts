/**
 * Scatter of unequal typed-array blocks from a root (MPI_Scatterv), linear.
 *
 * Cost: the root sends each rank its block straight from its array. The
 * selector has checked the counts against the root's array.
 *
 * @module
 */

import { allocTyped, ELEMENT_BYTES } from "../../transport/typed.ts";
import type { Coll } from "../_coll.ts";
import { T_SCATTERV } from "../../transport/calls.ts";
import type { PendingOp } from "../../transport/transport.ts";

/**
 * Root passes the whole array (others null); returns this rank's block (a
 * new typed array of typed kind `kind`, the root's), read at `displs[rank]`.
 */
export function scattervLinear(
  c: Coll,
  array: ArrayBufferView | null,
  counts: readonly number[],
  root: number,
  kind: number,
  displs: readonly number[],
): ArrayBufferView {
  const { rank, size } = c;
  if (rank !== root) {
    const out = allocTyped(kind, counts[rank] * ELEMENT_BYTES[kind]);
    if (counts[rank] > 0) c.recvInto(out, root, T_SCATTERV);
    return out;
  }
  const a = array as Float64Array;
  const block = (r: number) => a.subarray(displs[r], displs[r] + counts[r]);
  const ops: PendingOp[] = [];
  for (let r = 0; r < size; r++) {
    if (r !== rank && counts[r] > 0) ops.push(c.isend(block(r), r, T_SCATTERV));
  }
  const own = a.slice(displs[rank], displs[rank] + counts[rank]);
  for (const op of ops) c.wait(op);
  return own;
}
