/**
 * `bcast`: the selector. Small messages, or any value that is not a typed
 * array, go down a binomial tree (`binomial`); typed arrays of at least
 * {@linkcode BCAST_LARGE_BYTES} on 3 or more ranks use scatter + allgather
 * (`scatter_allgather`).
 *
 * Only the root knows the value, so only the root chooses: the tag of the
 * first message each rank receives from its parent in the binomial tree
 * says which algorithm the root chose (T_BCAST, T_BCAST_LARGE, or T_POISON
 * for a value the root cannot send).
 *
 * On a backend with collectives of its own (MPI), a round first tells
 * every rank what the root passed, and a typed array goes by the library's
 * broadcast (`native.ts`); other values then take the algorithms above.
 *
 * Forced by `SPMD_COLL_BCAST` (see `../_forced.ts`), which every rank
 * reads so that a wrong name fails everywhere: `scatter_allgather` serves
 * any typed array or DataView on 2 or more ranks; `binomial` serves
 * everything.
 *
 * @module
 */

import { typedKind } from "../../transport/typed.ts";
import { SpmdError } from "../../errors.ts";
import { checkSendable, type Coll } from "../_coll.ts";
import { forcedBy, lastRun, ran } from "../_forced.ts";
import { T_BCAST, T_BCAST_LARGE, T_POISON } from "../../transport/calls.ts";
import { bcastBinomial, bcastBinomialFrom } from "./binomial.ts";
import { bcastScatterAllgather } from "./scatter_allgather.ts";
import { bcastNative } from "./native.ts";
import { NOT_NATIVE, served } from "../_native.ts";

/** Typed arrays at least this large use scatter + allgather. */
export const BCAST_LARGE_BYTES = 128 * 1024;

const forced = forcedBy("bcast", ["binomial", "native", "scatter_allgather", "slots"]);

/**
 * Broadcasts `value` from `root`; returns it on every rank. The root gets
 * its own `value` back (not a copy); on one rank it is checked as a send
 * would check it.
 */
export function bcast(c: Coll, value: unknown, root: number): unknown {
  const force = served(c, forced(c.call));
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
  if (c.native !== null && (force === null || force === "native")) {
    // One round that tells every rank what the root has; a typed array goes by the library's bcast (native.ts).
    const r = bcastNative(c, c.native, value, root);
    if (r !== NOT_NATIVE) {
      ran(c, "bcast", "native");
      return r;
    }
  }
  if (rank === root) {
    const typed = typedKind(value) !== 0 && ((value as ArrayBufferView).buffer as ArrayBuffer).detached !== true;
    const large = typed && force !== "binomial" &&
      (force === "scatter_allgather" || (size > 2 && (value as ArrayBufferView).byteLength >= BCAST_LARGE_BYTES));
    lastRun.bcast = large ? "scatter_allgather" : "binomial";
    let mask = 1;
    while (mask < size) mask <<= 1;
    return large ? bcastScatterAllgather(c, value as ArrayBufferView, root, null, mask) : bcastBinomial(c, value, root);
  }
  const vr = (rank - root + size) % size;
  let mask = 1;
  while (!(vr & mask)) mask <<= 1;
  const parent = (rank - mask + size) % size;
  const { value: got, tag } = c.recvAnyTag(parent);
  if (tag === T_BCAST_LARGE) {
    ran(c, "bcast", "scatter_allgather");
    return bcastScatterAllgather(c, null, root, got as [number, number], mask);
  }
  if (tag !== T_BCAST && tag !== T_POISON) {
    throw c.error(`expected a bcast message from rank ${parent}, got tag ${tag}: mismatched collectives`);
  }
  ran(c, "bcast", "binomial");
  return bcastBinomialFrom(c, got, tag === T_POISON, root, mask);
}
