/**
 * Broadcast of a large typed array by scatter + allgather (van de Geijn).
 *
 * Cost: the root scatters p blocks along a binomial tree (⌈log2 p⌉ rounds,
 * n·(p−1)/p bytes from the root), then a ring allgather (p − 1 rounds of
 * n/p bytes each). Each rank moves about 2n bytes instead of n·log2 p.
 * A small header first tells every rank the type and length (binomial).
 * Works for any p and root.
 *
 * @module
 */

import { allocTyped, bytesOf, typedKind } from "../../transport/typed.ts";
import type { Coll } from "../_coll.ts";
import { T_BCAST_LARGE } from "../../transport/calls.ts";
import { blockOffsets } from "../_blocks.ts";
import { forwardBinomial } from "./binomial.ts";

/**
 * Root: broadcasts `value` (a typed array). Others: `header` is the [kind,
 * bytes] header already received from the parent (the rank at bit
 * `recvMask` below; the root passes the power of two ≥ p). Returns the
 * array on every rank.
 */
export function bcastScatterAllgather(
  c: Coll,
  value: ArrayBufferView | null,
  root: number,
  header: [number, number] | null,
  recvMask: number,
): ArrayBufferView {
  const { rank, size } = c;
  const vr = (rank - root + size) % size;
  const [kind, bytes] = header ?? [typedKind(value), value!.byteLength];
  // Pass the header on down the tree first.
  forwardBinomial(c, [kind, bytes], vr, recvMask, root, T_BCAST_LARGE);
  const out = value ?? allocTyped(kind, bytes);
  const u8 = bytesOf(out);
  // Blocks in relative-rank order, 8-byte aligned so every element stays whole.
  const off = blockOffsets(bytes, size, 8);
  // Scatter: receive my subtree's blocks [vr, vr + mask) from the parent.
  let mask = 1;
  while (mask < size) {
    if (vr & mask) {
      const hi = Math.min(vr + mask, size);
      if (off[hi] > off[vr]) c.recvInto(u8.subarray(off[vr], off[hi]), (rank - mask + size) % size, T_BCAST_LARGE);
      break;
    }
    mask <<= 1;
  }
  for (mask >>= 1; mask > 0; mask >>= 1) {
    if (vr + mask < size) {
      const hi = Math.min(vr + 2 * mask, size);
      if (off[hi] > off[vr + mask]) {
        c.send(u8.subarray(off[vr + mask], off[hi]), (vr + mask + root) % size, T_BCAST_LARGE);
      }
    }
  }
  // Ring allgather of the blocks, in relative ranks.
  const right = (rank + 1) % size;
  const left = (rank - 1 + size) % size;
  // The root has every block already: it takes the ring's copies into
  // scratch memory, never into the caller's array.
  const scratch = value !== null ? new Uint8Array(off[1] - off[0]) : null;
  for (let k = 0; k < size - 1; k++) {
    const sb = (vr - k + size) % size;
    const rb = (vr - k - 1 + size) % size;
    const s = off[sb + 1] > off[sb] ? c.isend(u8.subarray(off[sb], off[sb + 1]), right, T_BCAST_LARGE) : null;
    if (off[rb + 1] > off[rb]) {
      const into = scratch !== null ? scratch.subarray(0, off[rb + 1] - off[rb]) : u8.subarray(off[rb], off[rb + 1]);
      c.recvInto(into, left, T_BCAST_LARGE);
    }
    if (s !== null) c.wait(s);
  }
  return out;
}
