/**
 * `gatherInto` and `scatterInto`: the buffer gather and scatter
 * (MPI_Gather, MPI_Scatter), along `gather`'s and `scatter`'s binomial
 * trees (`gather/select.ts`, `scatter/select.ts`, forced by the same
 * variables).
 *
 * Gather: relative rank vr collects the blocks of its subtree [vr, vr + 2^k)
 * in relative order and sends them up as one message. Leaves send their
 * `send` as it is; inner ranks collect in scratch memory; the root receives
 * each child's subtree straight into its `recv` (through scratch memory only
 * for the one subtree that wraps past the last rank when the root is not 0).
 * Scatter is the mirror image: the root sends each child its subtree's
 * blocks straight from `send`, leaves receive straight into `recv`.
 *
 * What arrives tells whether the ranks agree: a block of another type or
 * length is found by the rank that receives it (the root, for gather; the
 * receiving ranks, for scatter), which then throws and passes a poison
 * marker with the error on along the tree (up to the root for gather, down
 * to its subtree for scatter). Ranks that only sent good blocks return as
 * usual: telling them would cost every call another round.
 *
 * @module
 */

import { ANY_TAG, IN_PLACE } from "../constants.ts";
import type { Coll } from "./_coll.ts";
import type { Bad } from "./_fault.ts";
import { ran } from "./_forced.ts";
import { T_GATHER, T_SCATTER } from "../transport/calls.ts";
import { ELEMENT_BYTES, type NumericArray, typedKind } from "../transport/typed.ts";
import "./gather/select.ts";
import { gatherSlots } from "./gather/slots.ts";
import { scatterSlots } from "./scatter/slots.ts";
import { gatherNative } from "./gather/native.ts";
import { scatterNative } from "./scatter/native.ts";
import { served } from "./_native.ts";
import "./scatter/select.ts";
import {
  alone,
  arrivedLabel,
  blockBytes,
  bytesOfArray,
  classify,
  copyInto,
  forcedAs,
  GOT_DATA,
  GOT_POISON,
  label,
  NOWHERE,
  ofRank,
  ranksFrom,
  sendPoison,
  stateOf,
  takePoison,
  thrown,
} from "./_into.ts";

const forcedGather = forcedAs("gather");
const forcedScatter = forcedAs("scatter");

/** The power of two ≥ `size`. */
function topBit(size: number): number {
  let m = 1;
  while (m < size) m <<= 1;
  return m;
}

/**
 * Gathers every rank's `send` (`n` elements; the root's own block is
 * already in place in `recv` when it passes IN_PLACE) into the root's
 * `recv`, in rank order; `recv` is not used elsewhere. `bad` is what is
 * wrong with this rank's arguments, if anything.
 */
export function gatherInto(
  c: Coll,
  send: NumericArray | typeof IN_PLACE,
  recv: NumericArray | null,
  root: number,
  bad: Bad | null = null,
): void {
  const force = served(c, forcedGather(c.call));
  ran(c, "gather", "binomial");
  const { rank, size } = c;
  if (size === 1) return alone(c, bad, recv, send);
  const isRoot = rank === root;
  const kind = bad !== null ? 0 : typedKind(isRoot ? recv : send);
  const n = bad !== null ? 0 : send === IN_PLACE ? recv!.length / size : (send as NumericArray).length;
  const blk = n * ELEMENT_BYTES[kind];
  if (c.slots !== null && (force === null || force === "slots")) {
    // One shared round (gather/slots.ts): the blocks themselves when they fit a slot, else the ranks' agreement.
    const mine = bad !== null
      ? null
      : send === IN_PLACE
      ? blockBytes(recv!, blk, rank, 1)
      : bytesOfArray(send as NumericArray);
    const inPlace = send === IN_PLACE && bad === null;
    const passed = inPlace ? recv : send; // with IN_PLACE, described by its block (n elements)
    if (gatherSlots(c, c.slots, kind, mine, blk, isRoot ? recv : null, root, !inPlace, bad, passed, inPlace ? n : -1)) {
      ran(c, "gather", "slots");
      return;
    }
  }
  if (c.native !== null && (force === null || force === "native")) {
    // One round of agreement, then the library's own gather (gather/native.ts).
    const inPlace = send === IN_PLACE && bad === null;
    const own = send === IN_PLACE ? null : send as NumericArray;
    const passed = inPlace ? recv : send; // with IN_PLACE, described by its block (n elements)
    if (gatherNative(c, c.native, kind, own, blk, isRoot ? recv : null, root, bad, passed, inPlace ? n : -1)) {
      ran(c, "gather", "native");
      return;
    }
  }
  const vr = (rank - root + size) % size;
  const low = vr === 0 ? topBit(size) : vr & -vr; // the root's children sit below the power of two ≥ p
  const sub = Math.min(low, size - vr); // ranks in this subtree, this one included
  const st = stateOf(c);
  let children = 0;
  for (let mask = 1; mask < low && vr + mask < size; mask <<= 1) children++;
  // Where this subtree's blocks collect: the root's recv, or scratch memory on an inner rank.
  let into: NumericArray | null = null;
  let wrapAt = -1; // the root: the child whose subtree wraps past the last rank (its blocks go through scratch)
  if (bad === null) {
    if (isRoot) {
      into = recv!;
      if (send !== IN_PLACE) blockBytes(into, blk, rank, 1).set(bytesOfArray(send as NumericArray));
    } else if (children > 0) {
      into = st.scratch(kind, sub * n, 0);
      copyInto(into, send as NumericArray);
    }
  }
  const ops = st.ops;
  for (let i = 0; i < children; i++) {
    const mask = 1 << i;
    const s = Math.min(mask, size - vr - mask);
    const child = (vr + mask + root) % size;
    let dest = NOWHERE;
    if (into !== null && !isRoot) dest = blockBytes(into, blk, mask, s);
    else if (into !== null && child + s <= size) dest = blockBytes(into, blk, child, s);
    else if (into !== null) {
      wrapAt = i;
      dest = blockBytes(st.scratch(kind, s * n, 0), blk, 0, s);
    }
    ops[i] = c.irecvInto(dest, child, ANY_TAG);
  }
  let err: Bad | null = bad === null ? null : ofRank(bad, rank); // naming itself, on every rank that learns of it
  for (let i = 0; i < children; i++) {
    const mask = 1 << i;
    const s = Math.min(mask, size - vr - mask);
    const child = (vr + mask + root) % size;
    const m = c.waitBytes(ops[i]);
    const got = classify(c, m, child, T_GATHER, kind, s * blk);
    if (got === GOT_POISON) {
      const p = takePoison(c, child);
      err ??= p;
    } else if (got !== GOT_DATA && err === null) {
      const who = isRoot ? `the root (rank ${root}) receives` : `rank ${rank} passed`;
      err = {
        message: `${ranksFrom(child, s, size)} passed ${arrivedLabel(m.kind, m.length, s)} but ${who} ${
          label(kind, n)
        }`,
        code: "MPI_ERR_ARG",
      };
    } else if (got === GOT_DATA && i === wrapAt && err === null) {
      const head = size - child; // blocks child .. size − 1, then 0 .. s − head − 1
      const tmp = st.scratch(kind, s * n, 0);
      blockBytes(into!, blk, child, head).set(blockBytes(tmp, blk, 0, head));
      blockBytes(into!, blk, 0, s - head).set(blockBytes(tmp, blk, head, s - head));
    }
  }
  if (!isRoot) {
    const parent = (vr - low + root) % size;
    if (err !== null) sendPoison(c, parent, err);
    else {c.sendBytes(
        kind,
        into === null ? bytesOfArray(send as NumericArray) : blockBytes(into, blk, 0, sub),
        parent,
        T_GATHER,
      );}
  }
  if (err !== null) throw thrown(c, err);
}

/**
 * Scatters the root's `send` (`size` blocks of `n` elements) so that rank
 * r gets block r in its `recv` (the root keeps its block in `send` when it
 * passes IN_PLACE); `send` is not used elsewhere. `bad` is what is wrong
 * with this rank's arguments, if anything.
 */
export function scatterInto(
  c: Coll,
  send: NumericArray | null,
  recv: NumericArray | typeof IN_PLACE,
  root: number,
  bad: Bad | null = null,
): void {
  const force = served(c, forcedScatter(c.call));
  ran(c, "scatter", "binomial");
  const { rank, size } = c;
  if (size === 1) return alone(c, bad, recv, send);
  const isRoot = rank === root;
  const kind = bad !== null ? 0 : typedKind(isRoot ? send : recv);
  const n = bad !== null ? 0 : isRoot ? send!.length / size : (recv as NumericArray).length;
  const blk = n * ELEMENT_BYTES[kind];
  if (c.slots !== null && (force === null || force === "slots")) {
    // One shared round (scatter/slots.ts): the blocks themselves when they fit a slot, else the ranks' agreement.
    const into = bad !== null || recv === IN_PLACE ? null : recv as NumericArray;
    const passed = isRoot ? send : recv;
    const block = isRoot && bad === null ? n : -1; // the root is described by one block of its send
    if (scatterSlots(c, c.slots, kind, isRoot ? send : null, blk, into, root, bad, passed, block)) {
      ran(c, "scatter", "slots");
      return;
    }
  }
  if (c.native !== null && (force === null || force === "native")) {
    // One round of agreement, then the library's own scatter (scatter/native.ts).
    const into = bad !== null || recv === IN_PLACE ? null : recv as NumericArray;
    const passed = isRoot ? send : recv;
    const block = isRoot && bad === null ? n : -1; // the root is described by one block of its send
    if (scatterNative(c, c.native, kind, isRoot ? send : null, blk, into, root, bad, passed, block)) {
      ran(c, "scatter", "native");
      return;
    }
  }
  const vr = (rank - root + size) % size;
  const low = vr === 0 ? topBit(size) : vr & -vr;
  const sub = Math.min(low, size - vr);
  const st = stateOf(c);
  let err: Bad | null = bad === null ? null : ofRank(bad, rank); // naming itself, on every rank that learns of it
  // This subtree's blocks, in relative order: the root's send (in rank order), or scratch on an inner rank.
  let from: NumericArray | null = null;
  if (isRoot) from = bad === null ? send : null;
  else {
    const parent = (vr - low + root) % size;
    if (bad === null && sub > 1) from = st.scratch(kind, sub * n, 0);
    const dest = bad !== null
      ? NOWHERE
      : from !== null
      ? blockBytes(from, blk, 0, sub)
      : bytesOfArray(recv as NumericArray);
    const m = c.recvBytes(dest, parent, ANY_TAG);
    const got = classify(c, m, parent, T_SCATTER, kind, sub * blk);
    if (got === GOT_POISON) {
      const p = takePoison(c, parent);
      err ??= p;
    } else if (got !== GOT_DATA && err === null) {
      err = {
        message: `the root (rank ${root}) sent ${arrivedLabel(m.kind, m.length, sub)} but rank ${rank} passed ${
          label(kind, n)
        }`,
        code: "MPI_ERR_ARG",
      };
    }
    if (err !== null) from = null;
  }
  for (let mask = low >> 1; mask > 0; mask >>= 1) {
    if (vr + mask >= size) continue;
    const s = Math.min(mask, size - vr - mask);
    const child = (vr + mask + root) % size;
    if (err !== null) sendPoison(c, child, err);
    else if (!isRoot) c.sendBytes(kind, blockBytes(from!, blk, mask, s), child, T_SCATTER);
    else if (child + s <= size) c.sendBytes(kind, blockBytes(from!, blk, child, s), child, T_SCATTER);
    else {
      // The subtree wraps past the last rank: its blocks go out through scratch memory.
      const head = size - child;
      const tmp = st.scratch(kind, s * n, 0);
      blockBytes(tmp, blk, 0, head).set(blockBytes(from!, blk, child, head));
      blockBytes(tmp, blk, head, s - head).set(blockBytes(from!, blk, 0, s - head));
      c.sendBytes(kind, blockBytes(tmp, blk, 0, s), child, T_SCATTER);
    }
  }
  if (err !== null) throw thrown(c, err);
  if (isRoot && recv !== IN_PLACE) bytesOfArray(recv).set(blockBytes(send!, blk, rank, 1));
  else if (!isRoot && sub > 1) bytesOfArray(recv as NumericArray).set(blockBytes(from!, blk, 0, 1));
}
