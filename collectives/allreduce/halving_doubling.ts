/**
 * `allreduceInto` for large arrays by recursive halving and doubling
 * (Rabenseifner's algorithm, as in Thakur, Rabenseifner and Gropp 2005):
 * a reduce-scatter by recursive halving, in which each rank exchanges half
 * of the blocks it still holds with a partner and reduces the half it keeps,
 * then an allgather by recursive doubling that sends the reduced blocks
 * back the same way. Each rank moves as many bytes as in the ring
 * (`2·(p−1)/p` of the array) but in `2·log2 p` steps instead of `2·(p−1)`,
 * and every step is a pairwise exchange: with more ranks than cores, where
 * each step waits for a partner to be scheduled, fewer steps is what counts
 * (1 MiB on 8 ranks on 2 cores: see the selector in `../_into_allreduce.ts`).
 *
 * Ranks beyond the largest power of two `q` first fold into a partner (the
 * pattern of the recursive doubling), which gets the result back at the
 * end. Each block is reduced on one rank only (lower ranks on the left), so
 * every rank gets the same bits.
 *
 * @module
 */

import { ANY_TAG } from "../../constants.ts";
import type { Coll } from "../_coll.ts";
import type { Fault } from "../_fault.ts";
import type { Op } from "../../ops.ts";
import { isAllreduceTag, T_ALLREDUCE } from "../../transport/calls.ts";
import { type NumericArray, typedKind } from "../../transport/typed.ts";
import { blockOffsets } from "../_blocks.ts";
import { bytesOfArray, classify, combineOrdered, GOT_DATA, sendMarker, stateOf } from "../_into.ts";

/**
 * Whether an array on `size` ranks takes the halving and doubling rather than the ring, where both serve it and the
 * array is large (`allreduceLargeFrom`): on 8 ranks or more. Measured with allreduceInto of 1 MiB on 2 cores, three
 * runs each: 8 ranks 1754–2225 µs against the ring's 2013–2513; 4 ranks 619–892 against 675–713 (level, so the ring).
 */
export function halvingChosen(size: number): boolean {
  return size >= 8;
}

/**
 * Reduces every rank's `acc` (the caller's `recv`, holding this rank's
 * input) with `op` into `acc` on every rank; the ranks have agreed on the
 * shape. A failure (a user op that threw, a rank that sent a marker) sets
 * `f.failed`, and markers then go where data would have.
 */
export function halvingDoublingInto(c: Coll, acc: NumericArray, op: Op, f: Fault): void {
  const { rank, size } = c;
  let q = 1;
  while (q * 2 <= size) q *= 2;
  const rem = size - q;
  const n = acc.length;
  const kind = typedKind(acc);
  const bpe = acc.BYTES_PER_ELEMENT;
  const st = stateOf(c);
  const tmp = st.scratch(kind, n, 0);
  const tmpB = st.scratchBytes(0);
  const accB = bytesOfArray(acc);

  /** Sends `acc`'s elements [from, to) to rank `dest`, or a marker once this call has failed. */
  const send = (dest: number, from: number, to: number): void => {
    if (f.failed) sendMarker(c, dest);
    else c.sendBytes(kind, accB.subarray(from * bpe, to * bpe), dest, T_ALLREDUCE);
  };
  /**
   * Sends `acc`'s elements [sendFrom, sendTo) to `peer` while receiving `count` elements from it into `into` at
   * element `at`; false when no data came.
   */
  const exchange = (
    peer: number,
    sendFrom: number,
    sendTo: number,
    into: Uint8Array,
    at: number,
    count: number,
  ): boolean => {
    const r = c.irecvInto(into.subarray(at * bpe, (at + count) * bpe), peer, ANY_TAG);
    send(peer, sendFrom, sendTo);
    const m = c.waitBytes(r);
    if (classify(c, m, peer, T_ALLREDUCE, kind, count * bpe, isAllreduceTag) === GOT_DATA) return true;
    f.failed = true;
    return false;
  };
  /** Combines tmp[0, count) into acc[at, at + count) in rank order, `other` being the rank the data came from. */
  const reduce = (at: number, count: number, other: number): void => {
    if (f.failed) return;
    try {
      combineOrdered(c.call, op, acc.subarray(at, at + count), tmp.subarray(0, count), other < rank);
    } catch (e) {
      f.caught(c, op, e);
    }
  };

  // Fold: of ranks 0 .. 2·rem − 1, the even ones hand their arrays to the odd ones and sit out.
  let me: number; // this rank among the q that take part, or −1
  if (rank < 2 * rem) {
    if (rank % 2 === 0) {
      send(rank + 1, 0, n);
      me = -1;
    } else {
      if (receiveWhole(rank - 1, tmpB)) reduce(0, n, rank - 1);
      me = rank >> 1;
    }
  } else me = rank - rem;

  if (me >= 0) {
    const off = blockOffsets(n, q);
    const real = (v: number): number => v < rem ? v * 2 + 1 : v + rem;
    // Reduce-scatter by recursive halving: the blocks [lo, hi) this rank still holds halve at each step.
    let lo = 0, hi = q;
    for (let mask = q >> 1; mask > 0; mask >>= 1) {
      const peer = real(me ^ mask);
      const mid = (lo + hi) >> 1;
      const keepLow = (me & mask) === 0;
      const [kLo, kHi, sLo, sHi] = keepLow ? [lo, mid, mid, hi] : [mid, hi, lo, mid];
      const count = off[kHi] - off[kLo];
      if (exchange(peer, off[sLo], off[sHi], tmpB, 0, count)) reduce(off[kLo], count, peer);
      lo = kLo;
      hi = kHi;
    }
    // Allgather by recursive doubling: the reduced blocks double back, straight into `acc`.
    for (let mask = 1; mask < q; mask <<= 1) {
      const peer = real(me ^ mask);
      const width = hi - lo;
      const [oLo, oHi] = (me & mask) === 0 ? [hi, hi + width] : [lo - width, lo];
      exchange(peer, off[lo], off[hi], accB, off[oLo], off[oHi] - off[oLo]);
      lo = Math.min(lo, oLo);
      hi = Math.max(hi, oHi);
    }
  }

  // Unfold: the odd ranks of the fold hand the result back.
  if (rank < 2 * rem) {
    if (rank % 2 === 1) send(rank - 1, 0, n);
    else receiveWhole(rank + 1, accB);
  }

  /** The fold's and unfold's receive of a whole array from `src` into `into`; false (failed) when no data came. */
  function receiveWhole(src: number, into: Uint8Array): boolean {
    const m = c.recvBytes(into, src, ANY_TAG);
    if (classify(c, m, src, T_ALLREDUCE, kind, n * bpe, isAllreduceTag) === GOT_DATA) return true;
    f.failed = true;
    return false;
  }
}
