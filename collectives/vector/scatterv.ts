/**
 * Scatter of unequal typed-array blocks from a root (MPI_Scatterv).
 *
 * Cost: one small allgather to agree on lengths, then linear: the root
 * sends each rank its block straight from its array.
 *
 * @module
 */

import { allocTyped, ELEMENT_BYTES } from "../../transport/codec.ts";
import { offsetsOf } from "../_blocks.ts";
import { type Coll } from "../_coll.ts";
import { T_SCATTERV } from "../../transport/calls.ts";
import type { PendingOp } from "../../transport/transport.ts";
import { agreeBlocks } from "./_agree.ts";

/**
 * Root passes the whole array; returns this rank's block (a new typed
 * array). `bad`: as for gatherv. Counts that differ between ranks fail on
 * every rank.
 */
export function scatterv(
  c: Coll,
  array: ArrayBufferView | null,
  counts: readonly number[],
  root: number,
  bad: string | null = null,
): ArrayBufferView {
  const { rank, size } = c;
  const blocks = agreeBlocks(c, rank === root ? array : null, counts, bad);
  const [total, kind] = blocks[root];
  const off = offsetsOf(counts);
  if (off[size] !== total) {
    throw c.error(`counts add up to ${off[size]} but the root's array has ${total} elements`, "MPI_ERR_COUNT");
  }
  if (rank !== root) {
    const out = allocTyped(kind, counts[rank] * ELEMENT_BYTES[kind]);
    if (counts[rank] > 0) c.recvInto(out, root, T_SCATTERV);
    return out;
  }
  const a = array as Float64Array;
  const ops: PendingOp[] = [];
  for (let r = 0; r < size; r++) {
    if (r !== rank && counts[r] > 0) ops.push(c.isend(a.subarray(off[r], off[r + 1]), r, T_SCATTERV));
  }
  const own = a.slice(off[rank], off[rank + 1]);
  for (const op of ops) c.wait(op);
  return own;
}
