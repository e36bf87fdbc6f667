/**
 * `bcast`: chooses the algorithm. Small messages, or any value that is not
 * a typed array, go down a binomial tree; typed arrays of at least
 * {@linkcode BCAST_LARGE_BYTES} on 3 or more ranks use scatter + allgather.
 *
 * Only the root knows the value, so the first message each rank receives
 * from its parent says which algorithm the root chose (its tag). A value
 * the root cannot send (a function, a detached buffer) goes down the tree
 * as a poison marker instead, so every rank throws the root's error and the
 * communicator stays usable.
 *
 * @module
 */

import { typedKind } from "../../transport/codec.ts";
import { SpmdError } from "../../errors.ts";
import { checkSendable, type Coll } from "../_coll.ts";
import { T_BCAST, T_BCAST_LARGE, T_POISON } from "../../transport/calls.ts";
import type { Bad } from "../_fault.ts";
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
    try {
      checkSendable(value, c.call);
    } catch (e) {
      if (!(e instanceof SpmdError)) throw e;
      throw c.error(`the root (rank ${root}) cannot send its value: ${e.message.slice(c.call.length + 2)}`, e.code);
    }
    return value;
  }
  const vr = (rank - root + size) % size;
  if (rank === root) {
    const large = size > 2 && typedKind(value) !== 0 && (value as ArrayBufferView).byteLength >= BCAST_LARGE_BYTES;
    let mask = 1;
    while (mask < size) mask <<= 1;
    if (large) return bcastScatterAllgather(c, value as ArrayBufferView, root, null, mask);
    try {
      forwardBinomial(c, value, vr, mask, root, T_BCAST);
    } catch (e) {
      // Encoding fails at the first send, before any child got data.
      if (!(e instanceof SpmdError) || (e.code !== "MPI_ERR_TYPE" && e.code !== "MPI_ERR_BUFFER")) throw e;
      const bad: Bad = { message: e.message.slice(c.call.length + 2), code: e.code };
      forwardBinomial(c, bad, vr, mask, root, T_POISON);
      throw c.error(`the root (rank ${root}) cannot send its value: ${bad.message}`, bad.code);
    }
    return value;
  }
  let mask = 1;
  while (!(vr & mask)) mask <<= 1;
  const { value: got, tag } = c.recvAnyTag((rank - mask + size) % size);
  if (tag === T_BCAST_LARGE) return bcastScatterAllgather(c, null, root, got as [number, number], mask);
  if (tag === T_POISON) {
    forwardBinomial(c, got, vr, mask, root, T_POISON);
    const bad = got as Bad;
    throw c.error(`the root (rank ${root}) cannot send its value: ${bad.message}`, bad.code);
  }
  if (tag !== T_BCAST) {
    throw c.error(
      `expected a bcast message from rank ${(rank - mask + size) % size}, got tag ${tag}: mismatched collectives`,
    );
  }
  forwardBinomial(c, got, vr, mask, root, T_BCAST);
  return got;
}
