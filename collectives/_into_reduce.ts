/**
 * `reduceInto`: the buffer reduce (MPI_Reduce), every rank's `send`
 * reduced with `op` into the root's `recv`, along `reduce`'s binomial tree
 * (`reduce/select.ts`, forced by the same `SPMD_COLL_REDUCE`; rooted at
 * rank 0 for an op that is not commutative, which then sends the result to
 * the root).
 *
 * Leaves send their `send` as it is; a rank with children accumulates in
 * scratch memory (the root in its `recv`), with every child's partial
 * result received at once into a scratch slot of its own, then combined in
 * rank order.
 *
 * Inputs that disagree (another type or length, found from what arrives)
 * or bad arguments: the rank that finds it, or whose arguments they are,
 * sends its parent a poison marker with the error instead of its partial
 * result, and throws; so does every rank on the way to the root, and the
 * root. Ranks that only sent good values return as usual: telling them
 * would cost every call another round (as `reduce`).
 *
 * @module
 */

import { ANY_TAG, IN_PLACE } from "../constants.ts";
import type { Coll } from "./_coll.ts";
import { type Bad, errorText } from "./_fault.ts";
import { ran } from "./_forced.ts";
import { combineInto, type Op } from "../ops.ts";
import { T_REDUCE } from "../transport/calls.ts";
import { reduceSlots } from "./reduce/slots.ts";
import { reduceNative } from "./reduce/native.ts";
import { NOT_NATIVE, served } from "./_native.ts";
import { type NumericArray, typedKind } from "../transport/typed.ts";
import "./reduce/select.ts";
import {
  alone,
  arrivedLabel,
  bytesOfArray,
  classify,
  copyInto,
  forcedAs,
  GOT_DATA,
  GOT_POISON,
  label,
  NOWHERE,
  ofRank,
  sendPoison,
  stateOf,
  takePoison,
  thrown,
} from "./_into.ts";

const forced = forcedAs("reduce");

/**
 * Reduces every rank's `send` (the root's `recv` when the root passes
 * IN_PLACE) with `op` into `recv` on `root`; `recv` is not used elsewhere.
 * `bad` is what is wrong with this rank's arguments, if anything.
 */
export function reduceInto(
  c: Coll,
  send: NumericArray | typeof IN_PLACE,
  recv: NumericArray | null,
  op: Op,
  root: number,
  bad: Bad | null = null,
): void {
  const force = served(c, forced(c.call));
  ran(c, "reduce", "binomial");
  const { rank, size } = c;
  if (size === 1) return alone(c, bad, recv, send);
  const input = (send === IN_PLACE ? recv : send) as NumericArray;
  if (c.slots !== null && (force === null || force === "slots")) {
    // One shared round (reduce/slots.ts): the reduction itself for small inputs, else the ranks' agreement.
    if (reduceSlots(c, c.slots, input, rank === root ? recv : null, op, root, bad)) {
      ran(c, "reduce", "slots");
      return;
    }
  }
  if (c.native !== null && (force === null || force === "native")) {
    // One round of agreement, then the library's own reduce where it applies (reduce/native.ts).
    if (reduceNative(c, c.native, input, op, root, bad, rank === root ? recv : null) !== NOT_NATIVE) {
      ran(c, "reduce", "native");
      return;
    }
  }
  const kind = bad === null ? typedKind(input) : 0;
  const n = bad === null ? input.length : 0;
  const bytes = bad === null ? input.byteLength : 0;
  const treeRoot = op.commutative ? root : 0;
  const vr = (rank - treeRoot + size) % size;
  const st = stateOf(c);
  // Children vr + mask for each mask below vr's lowest set bit.
  let children = 0;
  for (let mask = 1; mask < size && !(vr & mask) && vr + mask < size; mask <<= 1) children++;
  if (bad === null) st.reserve(kind, n, children + 1);
  let acc: NumericArray | null = null;
  if (bad === null) {
    if (rank === root && treeRoot === root) {
      acc = recv!;
      if (send !== IN_PLACE) copyInto(acc, send);
    } else if (children > 0) {
      acc = st.scratch(kind, n, 0);
      copyInto(acc, input);
    }
  }
  const ops = st.ops;
  for (let i = 0; i < children; i++) {
    const child = (vr + (1 << i) + treeRoot) % size;
    if (bad === null) st.scratch(kind, n, i + 1);
    ops[i] = c.irecvInto(bad === null ? st.scratchBytes(i + 1) : NOWHERE, child, ANY_TAG);
  }
  // A rank whose own arguments are wrong says so, naming itself, on every rank that learns of it (itself included).
  let err: Bad | null = bad === null ? null : ofRank(bad, rank);
  for (let i = 0; i < children; i++) {
    const child = (vr + (1 << i) + treeRoot) % size;
    const m = c.waitBytes(ops[i]);
    const got = classify(c, m, child, T_REDUCE, kind, bytes);
    if (got === GOT_POISON) {
      const p = takePoison(c, child);
      err ??= p;
    } else if (err !== null) continue;
    else if (got !== GOT_DATA) {
      err = {
        message: `rank ${child} passed ${arrivedLabel(m.kind, m.length)} but rank ${rank} passed ${label(kind, n)}`,
        code: "MPI_ERR_ARG",
      };
    } else {
      try {
        combineInto(c.call, op, acc!, st.scratch(kind, n, i + 1));
      } catch (e) {
        err = { message: errorText(c, op, e), code: "MPI_ERR_OP" };
      }
    }
  }
  if (vr !== 0) {
    const parent = (vr - (vr & -vr) + treeRoot) % size;
    if (err !== null) sendPoison(c, parent, err);
    else c.sendBytes(kind, bytesOfArray(acc ?? input), parent, T_REDUCE);
  }
  if (treeRoot !== root) {
    // An op that is not commutative: the tree's root (rank 0) hands the result to the root.
    if (rank === treeRoot) {
      if (err !== null) sendPoison(c, root, err);
      else c.sendBytes(kind, bytesOfArray(acc ?? input), root, T_REDUCE);
    } else if (rank === root) {
      const m = c.recvBytes(err === null ? bytesOfArray(recv!) : NOWHERE, treeRoot, ANY_TAG);
      const got = classify(c, m, treeRoot, T_REDUCE, kind, bytes);
      if (got === GOT_POISON) {
        const p = takePoison(c, treeRoot);
        err ??= p;
      } else if (got !== GOT_DATA && err === null) {
        err = {
          message: `rank ${treeRoot} sent ${arrivedLabel(m.kind, m.length)} but the root (rank ${root}) passed ${
            label(kind, n)
          }`,
          code: "MPI_ERR_ARG",
        };
      }
    }
  }
  if (err !== null) throw thrown(c, err);
}
