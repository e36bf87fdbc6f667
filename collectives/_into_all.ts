/**
 * `allgatherInto` and `alltoallInto`: the buffer allgather and all-to-all
 * (MPI_Allgather, MPI_Alltoall). Every block is received straight into its
 * place in the caller's `recv` and sent straight from where it is.
 *
 * - allgather: `allgather`'s selection (`allgather/select.ts`, forced by
 *   `SPMD_COLL_ALLGATHER`): recursive doubling when p is a power of two
 *   (round k exchanges the 2^k blocks a rank holds, contiguous in `recv`),
 *   else a ring (p − 1 rounds of one block).
 * - alltoall: pairwise exchange (`SPMD_COLL_ALLTOALL=pairwise`), in round k
 *   the pairs r and (k − r) mod p: each round is a set of disjoint pairs,
 *   so that in place (IN_PLACE) a rank sends its block for its partner and
 *   receives the partner's into the same place, with no extra memory.
 *
 * Ranks whose arrays disagree (type, length) find out from what arrives,
 * and send poison markers from then on; every rank learns of it by the end
 * (recursive doubling: a whole group finds a mismatch at once; ring: some
 * rank receives a disagreeing block in the first round, and its markers go
 * round; alltoall: every rank receives from every other), and all throw the
 * same SpmdError (`_fault.ts` `raise`). The communicator stays usable.
 *
 * @module
 */

import { ANY_TAG, IN_PLACE } from "../constants.ts";
import type { Coll } from "./_coll.ts";
import { type Bad, Fault, raise } from "./_fault.ts";
import { ran } from "./_forced.ts";
import { T_ALLGATHER, T_ALLTOALL } from "../transport/calls.ts";
import { ELEMENT_BYTES, type NumericArray, typedKind } from "../transport/typed.ts";
import "./allgather/select.ts";
import "./alltoall/select.ts";
import { allgatherSlots } from "./allgather/slots.ts";
import { alltoallSlots } from "./alltoall/slots.ts";
import { allgatherNative } from "./allgather/native.ts";
import { alltoallNative } from "./alltoall/native.ts";
import { served } from "./_native.ts";
import { alone, blockBytes, bytesOfArray, classify, forcedAs, GOT_DATA, NOWHERE, sendMarker } from "./_into.ts";

const forcedAllgather = forcedAs("allgather");
const forcedAlltoall = forcedAs("alltoall");

/**
 * Every rank's `send` (`n` elements; in place, its block of `recv`) into
 * block r of every rank's `recv` (`size` × `n` elements). `bad` is what is
 * wrong with this rank's arguments, if anything (every rank then throws).
 */
export function allgatherInto(
  c: Coll,
  send: NumericArray | typeof IN_PLACE,
  recv: NumericArray,
  bad: Bad | null = null,
): void {
  const force = served(c, forcedAllgather(c.call));
  const { rank, size } = c;
  if (size === 1) return alone(c, bad, recv, send);
  const kind = bad === null ? typedKind(recv) : 0;
  const n = bad === null ? recv.length / size : 0;
  const blk = n * ELEMENT_BYTES[kind];
  if (c.slots !== null && (force === null || force === "slots")) {
    // One shared round (allgather/slots.ts): the blocks themselves when they fit a slot, else the ranks' agreement.
    const mine = bad !== null
      ? null
      : send === IN_PLACE
      ? blockBytes(recv, blk, rank, 1)
      : bytesOfArray(send as NumericArray);
    const inPlace = send === IN_PLACE && bad === null;
    if (allgatherSlots(c, c.slots, kind, mine, blk, recv, !inPlace, bad, inPlace ? recv : send, inPlace ? n : -1)) {
      ran(c, "allgather", "slots");
      return;
    }
  }
  if (c.native !== null && (force === null || force === "native")) {
    // One round of agreement, then the library's own allgather (allgather/native.ts).
    const inPlace = send === IN_PLACE && bad === null;
    const own = send === IN_PLACE ? null : send as NumericArray;
    if (allgatherNative(c, c.native, kind, own, blk, recv, bad, inPlace ? recv : send, inPlace ? n : -1)) {
      ran(c, "allgather", "native");
      return;
    }
  }
  let ok = bad === null;
  if (ok && send !== IN_PLACE) blockBytes(recv, blk, rank, 1).set(bytesOfArray(send as NumericArray));
  if (force !== "ring" && (size & (size - 1)) === 0) {
    ran(c, "allgather", "recursive_doubling");
    for (let mask = 1; mask < size; mask <<= 1) {
      const partner = rank ^ mask;
      const r = c.irecvInto(ok ? blockBytes(recv, blk, partner & -mask, mask) : NOWHERE, partner, ANY_TAG);
      if (ok) c.sendBytes(kind, blockBytes(recv, blk, rank & -mask, mask), partner, T_ALLGATHER);
      else sendMarker(c, partner);
      if (classify(c, c.waitBytes(r), partner, T_ALLGATHER, kind, mask * blk) !== GOT_DATA) ok = false;
    }
  } else {
    ran(c, "allgather", "ring");
    const right = (rank + 1) % size;
    const left = (rank - 1 + size) % size;
    for (let k = 0; k < size - 1; k++) {
      const sb = (rank - k + size) % size;
      const rb = (rank - k - 1 + size) % size;
      const r = c.irecvInto(ok ? blockBytes(recv, blk, rb, 1) : NOWHERE, left, ANY_TAG);
      if (ok) c.sendBytes(kind, blockBytes(recv, blk, sb, 1), right, T_ALLGATHER);
      else sendMarker(c, right);
      if (classify(c, c.waitBytes(r), left, T_ALLGATHER, kind, blk) !== GOT_DATA) ok = false;
    }
  }
  if (!ok) fail(c, bad, send !== IN_PLACE ? send : bad === null ? recv.subarray(rank * n, (rank + 1) * n) : recv);
}

/**
 * Block j of every rank's `send` (in place: of its `recv`; `size` blocks of
 * `n` elements) into block r of rank j's `recv`. `bad` is what is wrong
 * with this rank's arguments, if anything (every rank then throws).
 */
export function alltoallInto(
  c: Coll,
  send: NumericArray | typeof IN_PLACE,
  recv: NumericArray,
  bad: Bad | null = null,
): void {
  const force = served(c, forcedAlltoall(c.call));
  ran(c, "alltoall", "pairwise");
  const { rank, size } = c;
  if (size === 1) return alone(c, bad, recv, send);
  const kind = bad === null ? typedKind(recv) : 0;
  const blk = bad === null ? (recv.length / size) * ELEMENT_BYTES[kind] : 0;
  const inPlace = send === IN_PLACE;
  if (c.slots !== null && (force === null || force === "slots")) {
    // One shared round (alltoall/slots.ts): the blocks themselves when they fit a slot, else the ranks' agreement.
    const mine = bad !== null ? null : bytesOfArray(inPlace ? recv : send as NumericArray);
    if (alltoallSlots(c, c.slots, kind, mine, blk, recv, bad, inPlace ? recv : send)) {
      ran(c, "alltoall", "slots");
      return;
    }
  }
  if (c.native !== null && (force === null || force === "native")) {
    // One round of agreement, then the library's own all-to-all (alltoall/native.ts).
    if (
      alltoallNative(c, c.native, kind, inPlace ? null : send as NumericArray, blk, recv, bad, inPlace ? recv : send)
    ) {
      ran(c, "alltoall", "native");
      return;
    }
  }
  let ok = bad === null;
  if (ok && !inPlace) blockBytes(recv, blk, rank, 1).set(blockBytes(send as NumericArray, blk, rank, 1));
  for (let k = 0; k < size; k++) {
    const partner = (k - rank + size) % size;
    if (partner === rank) continue;
    const into = ok ? blockBytes(recv, blk, partner, 1) : NOWHERE;
    // In place, the block goes out before the partner's lands in the same place.
    const r = inPlace ? null : c.irecvInto(into, partner, ANY_TAG);
    if (ok) c.sendBytes(kind, inPlace ? into : blockBytes(send as NumericArray, blk, partner, 1), partner, T_ALLTOALL);
    else sendMarker(c, partner);
    const m = r === null ? c.recvBytes(into, partner, ANY_TAG) : c.waitBytes(r);
    if (classify(c, m, partner, T_ALLTOALL, kind, blk) !== GOT_DATA) ok = false;
  }
  if (!ok) fail(c, bad, inPlace ? recv : send);
}

/** Every rank has failed: all share what they passed and throw the same error. */
function fail(c: Coll, bad: Bad | null, passed: unknown): never {
  const f = new Fault(bad);
  f.failed = true;
  raise(c, f, passed, null, true);
}
