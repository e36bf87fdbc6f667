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
 * Disagreeing inputs: a rank that finds its children's values do not fit
 * its own (or whose own input is wrong) sends its parent a poison marker
 * with the error instead of its partial result, and throws; a rank that
 * receives a marker passes it on and throws the same error. So the root and
 * every rank that combined a bad value throw, while ranks that only sent
 * good values return null as usual: telling them would cost every reduce
 * another round.
 *
 * @module
 */

import { type Coll, copyTyped, copyValue } from "../_coll.ts";
import { T_POISON, T_REDUCE } from "../../transport/calls.ts";
import { type Bad, errorText, shapeOf, unsendable } from "../_fault.ts";
import { combine, combineInto, type Op } from "../../ops.ts";
import { isNumericArray, type NumericArray } from "../../transport/typed.ts";

/** Returns the reduction on `root`, null elsewhere. `bad` is this rank's own input error. */
export function reduceBinomial(c: Coll, value: unknown, op: Op, root: number, bad: Bad | null = null): unknown {
  const { rank, size } = c;
  if (size === 1) {
    if (bad !== null) throw c.error(bad.message, bad.code);
    return copyValue(value, c.call);
  }
  const treeRoot = op.commutative ? root : 0;
  const vr = (rank - treeRoot + size) % size;
  // Built-ins accumulate typed arrays in place in a private copy; a user op
  // gets a private copy of the input (it may modify its operands).
  const typed = op.family !== "user" && isNumericArray(value);
  // (A rank whose input is bad sends only markers: its input is never touched.)
  let acc: unknown = bad !== null
    ? value
    : typed
    ? copyTyped(value as NumericArray)
    : op.family === "user"
    ? copyValue(value, c.call)
    : value;
  let err: Bad | null = bad;
  let mask = 1;
  while (mask < size) {
    if (vr & mask) {
      err = send(c, err, acc, (vr - mask + treeRoot) % size);
      break;
    }
    if (vr + mask < size) {
      const child = (vr + mask + treeRoot) % size;
      const got = c.recvAccepting(child, T_REDUCE, isReduceTag);
      if (c.lastTag === T_POISON) err ??= got as Bad;
      else if (err === null) {
        if (op.family !== "user" && shapeOf(got) !== shapeOf(acc)) {
          err = {
            message: `rank ${child} passed ${shapeOf(got)} but rank ${rank} passed ${shapeOf(acc)}`,
            code: "MPI_ERR_ARG",
          };
        } else {
          try {
            if (typed) combineInto(c.call, op, acc as NumericArray, got as NumericArray);
            else acc = combine(c.call, op, acc, got);
          } catch (e) {
            err = { message: errorText(c, op, e), code: "MPI_ERR_OP" };
          }
        }
      }
    }
    mask <<= 1;
  }
  if (treeRoot !== root) {
    if (rank === treeRoot) err = send(c, err, acc, root);
    if (rank === root) {
      const got = c.recvAccepting(treeRoot, T_REDUCE, isReduceTag);
      if (c.lastTag === T_POISON) err = got as Bad;
      else acc = got;
    }
  }
  if (err !== null) throw c.error(err.message, err.code);
  if (rank !== root) return null;
  return acc === value ? copyValue(acc, c.call) : acc;
}

function isReduceTag(tag: number): boolean {
  return tag === T_REDUCE || tag === T_POISON;
}

/** Sends `acc` on, or the error (also when `acc` cannot be sent: an op's result); returns the error, if any. */
function send(c: Coll, err: Bad | null, acc: unknown, dest: number): Bad | null {
  if (err === null) {
    try {
      c.send(acc, dest, T_REDUCE);
      return null;
    } catch (e) {
      if (!unsendable(e)) throw e;
      err = { message: errorText(c, null, e), code: e.code };
    }
  }
  c.send(err, dest, T_POISON);
  return err;
}
