/**
 * `bcast`: chooses the algorithm. Small messages, or any value that is not
 * a typed array, go down a binomial tree; typed arrays of at least
 * {@linkcode BCAST_LARGE_BYTES} on 3 or more ranks use scatter + allgather.
 *
 * Only the root knows the value, so the first message each rank receives
 * from its parent says which algorithm the root chose (its tag).
 *
 * @module
 */

import { typedKind } from "../../transport/codec.ts";
import { checkSendable, type Coll, T_BCAST, T_BCAST_LARGE } from "../_coll.ts";
import { forwardBinomial } from "./binomial.ts";
import { bcastScatterAllgather } from "./scatter_allgather.ts";

/** Typed arrays at least this large use scatter + allgather. */
export const BCAST_LARGE_BYTES = 128 * 1024;

/**
 * Broadcasts `value` from `root`; returns it on every rank. The root gets
 * its own `value` back (not a copy); on one rank it is checked as a send
 * would check it.
 */
export function bcast(c: Coll, value: unknown, root: number): unknown {
  const { rank, size } = c;
  if (size === 1) {
    checkSendable(value, c.call);
    return value;
  }
  const vr = (rank - root + size) % size;
  if (rank === root) {
    const large = size > 2 && typedKind(value) !== 0 && (value as ArrayBufferView).byteLength >= BCAST_LARGE_BYTES;
    let mask = 1;
    while (mask < size) mask <<= 1;
    if (large) return bcastScatterAllgather(c, value as ArrayBufferView, root, null, mask);
    forwardBinomial(c, value, vr, mask, root, T_BCAST);
    return value;
  }
  let mask = 1;
  while (!(vr & mask)) mask <<= 1;
  const { value: got, tag } = c.recvAnyTag((rank - mask + size) % size);
  if (tag === T_BCAST_LARGE) return bcastScatterAllgather(c, null, root, got as [number, number], mask);
  if (tag !== T_BCAST) {
    throw c.error(
      `expected a bcast message from rank ${(rank - mask + size) % size}, got tag ${tag}: mismatched collectives`,
    );
  }
  forwardBinomial(c, got, vr, mask, root, T_BCAST);
  return got;
}
