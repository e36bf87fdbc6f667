/**
 * `bcastInto`: the buffer broadcast (MPI_Bcast), the root's `buf` copied
 * into every rank's `buf`, with `bcast`'s algorithms and selection
 * (`bcast/select.ts`, forced by the same `SPMD_COLL_BCAST`):
 *
 * - binomial tree: each rank receives the whole array straight into its
 *   `buf` and passes it on from there;
 * - scatter + ring allgather (typed arrays of at least
 *   {@linkcode BCAST_LARGE_BYTES} on 3 or more ranks): the blocks land in
 *   each rank's `buf` (the root takes the ring's copies into scratch
 *   memory), and every message is sent even when its block is empty, so the
 *   exchange pattern does not depend on the length.
 *
 * Every rank chooses from its own `buf`; the tag of the first message from
 * its parent says what the root chose, so a rank whose `buf` differs in
 * length or type from the root's finds out, follows the root's algorithm
 * with poison markers, and throws; so do the ranks below it in the tree
 * (and, in the ring, those that its markers reach). The root learns of it
 * only where the ring brings a marker back: telling it always would cost
 * every call another round (as `reduce`'s senders).
 *
 * @module
 */

import { ANY_TAG } from "../constants.ts";
import type { Coll } from "./_coll.ts";
import type { Bad } from "./_fault.ts";
import { lastRun, ran } from "./_forced.ts";
import { T_BCAST, T_BCAST_LARGE, T_POISON } from "../transport/calls.ts";
import { type NumericArray, typedKind } from "../transport/typed.ts";
import { blockOffsets } from "./_blocks.ts";
import { BCAST_LARGE_BYTES } from "./bcast/select.ts";
import { bcastSlots } from "./bcast/slots.ts";
import { bcastIntoNative } from "./bcast/native.ts";
import { served } from "./_native.ts";
import {
  alone,
  arrivedLabel,
  bytesOfArray,
  forcedAs,
  label,
  NOWHERE,
  sendPoison,
  stateOf,
  takePoison,
  thrown,
} from "./_into.ts";

const forced = forcedAs("bcast");

/** The error a broadcast's poison carries, and which algorithm the root chose. */
interface BcastBad extends Bad {
  large: boolean;
}

/**
 * Broadcasts the root's `buf` into every rank's `buf` (one type and
 * length, as every rank checks from what arrives). `bad` is what is wrong
 * with this rank's arguments, if anything.
 */
export function bcastInto(c: Coll, buf: NumericArray, root: number, bad: Bad | null = null): void {
  const force = served(c, forced(c.call));
  const { rank, size } = c;
  if (size === 1) return alone(c, bad, null, null);
  if (c.slots !== null && (force === null || force === "slots") && bcastSlots(c, c.slots, buf, root, bad)) {
    // One shared round (bcast/slots.ts); a buffer larger than a slot goes on below, the ranks now agreeing.
    ran(c, "bcast", "slots");
    return;
  }
  if (c.native !== null && (force === null || force === "native") && bcastIntoNative(c, c.native, buf, root, bad)) {
    // One round of agreement, then the library's own broadcast (bcast/native.ts).
    ran(c, "bcast", "native");
    return;
  }
  const kind = bad === null ? typedKind(buf) : 0;
  const bytes = bad === null ? buf.byteLength : 0;
  const large = bad === null && force !== "binomial" &&
    (force === "scatter_allgather" || (size > 2 && bytes >= BCAST_LARGE_BYTES));
  const vr = (rank - root + size) % size;
  // A rank whose own arguments are wrong says so, naming itself, on every rank that learns of it (itself included).
  let err: BcastBad | null = bad === null ? null : { message: `${bad.message} (rank ${rank})`, code: bad.code, large };
  let mask = 1;
  if (rank === root) {
    while (mask < size) mask <<= 1;
    lastRun.bcast = large ? "scatter_allgather" : "binomial";
    if (large) err = scatterAllgatherInto(c, buf, kind, root, mask, null);
    else forward(c, buf, kind, vr, mask, root, err);
    if (err !== null) throw thrown(c, err);
    return;
  }
  while (!(vr & mask)) mask <<= 1;
  const parent = (rank - mask + size) % size;
  // A large broadcast's first message is this rank's subtree's blocks, in place.
  const off = large ? blockOffsets(bytes, size, 8) : null;
  const ub = bad === null ? bytesOfArray(buf) : NOWHERE;
  const into = off === null ? ub : ub.subarray(off[vr], off[Math.min(vr + mask, size)]);
  const m = c.recvBytes(into, parent, ANY_TAG);
  let rootLarge: boolean;
  if (m.tag === T_POISON) {
    const p = takePoison(c, parent) as BcastBad;
    rootLarge = p.large;
    err ??= p;
  } else if (m.tag === T_BCAST || m.tag === T_BCAST_LARGE) {
    rootLarge = m.tag === T_BCAST_LARGE;
    if (err === null && (rootLarge !== large || m.kind !== kind || m.length !== into.byteLength)) {
      const theirs = rootLarge ? `a block of ${m.length} bytes of its buffer` : arrivedLabel(m.kind, m.length);
      err = {
        message: `the root (rank ${root}) sent ${theirs} but rank ${rank} passed ${label(kind, buf.length)}: ` +
          `the ranks' buffers differ in length or type`,
        code: "MPI_ERR_ARG",
        large: rootLarge,
      };
    }
  } else throw c.mismatch(parent, m.tag);
  lastRun.bcast = rootLarge ? "scatter_allgather" : "binomial";
  if (err !== null) err.large = rootLarge;
  if (rootLarge) {
    const e = scatterAllgatherInto(c, err === null ? buf : null, kind, root, mask, err);
    err ??= e;
  } else forward(c, buf, kind, vr, mask, root, err);
  if (err !== null) throw thrown(c, err);
}

/** Sends `buf` (or poison) down the binomial tree below relative rank `vr`, whose receive bit is `mask`. */
function forward(
  c: Coll,
  buf: NumericArray,
  kind: number,
  vr: number,
  mask: number,
  root: number,
  err: BcastBad | null,
): void {
  const size = c.size;
  const ub = err === null ? bytesOfArray(buf) : NOWHERE;
  for (mask >>= 1; mask > 0; mask >>= 1) {
    if (vr + mask >= size) continue;
    const child = (vr + mask + root) % size;
    if (err === null) c.sendBytes(kind, ub, child, T_BCAST);
    else sendPoison(c, child, err);
  }
}

/**
 * The large broadcast from where the first message left off (the root:
 * from the start; `recvMask` the bit at which this rank received, or the
 * power of two ≥ p on the root). `buf` is null once this rank has failed
 * (`err`); returns the error this rank throws, if any.
 */
function scatterAllgatherInto(
  c: Coll,
  buf: NumericArray | null,
  kind: number,
  root: number,
  recvMask: number,
  err: BcastBad | null,
): BcastBad | null {
  const { rank, size } = c;
  const vr = (rank - root + size) % size;
  const ub = buf === null ? NOWHERE : bytesOfArray(buf);
  const off = blockOffsets(ub.byteLength, size, 8);
  const part = (lo: number, hi: number): Uint8Array => ub.subarray(off[lo], off[hi]);
  // Scatter: pass each child its subtree's blocks.
  for (let mask = recvMask >> 1; mask > 0; mask >>= 1) {
    if (vr + mask >= size) continue;
    const child = (vr + mask + root) % size;
    if (err !== null) sendPoison(c, child, err);
    else c.sendBytes(kind, part(vr + mask, Math.min(vr + 2 * mask, size)), child, T_BCAST_LARGE);
  }
  // Ring allgather of the blocks, in relative ranks.
  const right = (rank + 1) % size;
  const left = (rank - 1 + size) % size;
  const scratch = rank === root && buf !== null ? stateOf(c).scratch(2, off[1] - off[0], 0) as Uint8Array : null;
  for (let k = 0; k < size - 1; k++) {
    const sb = (vr - k + size) % size;
    const rb = (vr - k - 1 + size) % size;
    const into = err !== null
      ? NOWHERE
      : scratch !== null
      ? scratch.subarray(0, off[rb + 1] - off[rb])
      : part(rb, rb + 1);
    const r = c.irecvInto(into, left, ANY_TAG);
    if (err !== null) sendPoison(c, right, err);
    else c.sendBytes(kind, part(sb, sb + 1), right, T_BCAST_LARGE);
    const m = c.waitBytes(r);
    if (m.tag === T_POISON) {
      const p = takePoison(c, left) as BcastBad; // taken even when this rank has an error of its own
      err ??= p;
    } else if (m.tag !== T_BCAST_LARGE) throw c.mismatch(left, m.tag);
    else if (err === null && (m.kind !== kind || m.length !== into.byteLength)) {
      err = {
        message: `rank ${left} sent a block of ${m.length} bytes where rank ${rank} expected ${into.byteLength}: ` +
          `the ranks' buffers differ in length or type`,
        code: "MPI_ERR_ARG",
        large: true,
      };
    }
  }
  return err;
}
