/**
 * Reduce along a binomial tree.
 *
 * Cost: ⌈log2 p⌉ rounds, each moving the whole message. Relative rank vr
 * combines the values of its children vr + 2^j (in increasing j, so each
 * partial result covers a contiguous range of relative ranks, lower ranks
 * first) and sends the result to its parent. For an op that is not
 * commutative the tree is rooted at rank 0, so that relative order is rank
 * order, and rank 0 sends the result to the root.
 *
 * @module
 */

import { type Coll, copyTyped, copyValue, T_REDUCE } from "../_coll.ts";
import { combine, combineInto, type NumericArray, type Op } from "../ops.ts";

/** Returns the reduction on `root`, null elsewhere. */
export function reduceBinomial(c: Coll, value: unknown, op: Op, root: number): unknown {
  const { rank, size } = c;
  const treeRoot = op.commutative ? root : 0;
  const vr = (rank - treeRoot + size) % size;
  // Typed arrays accumulate in place in a private copy.
  const typed = ArrayBuffer.isView(value) && !(value instanceof DataView);
  let acc: unknown = typed ? copyTyped(value as NumericArray) : value;
  let mask = 1;
  while (mask < size) {
    if (vr & mask) {
      c.send(acc, (vr - mask + treeRoot) % size, T_REDUCE);
      break;
    }
    if (vr + mask < size) {
      const child = c.recv((vr + mask + treeRoot) % size, T_REDUCE);
      if (typed) combineInto(c.call, op, acc as NumericArray, child as NumericArray);
      else acc = combine(c.call, op, acc, child);
    }
    mask <<= 1;
  }
  if (treeRoot !== root) {
    if (rank === treeRoot) c.send(acc, root, T_REDUCE);
    if (rank === root) return c.recv(treeRoot, T_REDUCE);
    return null;
  }
  if (rank !== root) return null;
  return acc === value ? copyValue(acc) : acc;
}
