/**
 * `scanInto` and `exscanInto`: the buffer prefix reductions (MPI_Scan,
 * MPI_Exscan), with the exchange pattern of `scan/recursive_doubling.ts`
 * (forced by the same `SPMD_COLL_SCAN`) in scratch memory: `partial` (the
 * reduction of this rank's aligned group), `excl` (of every rank below),
 * the partner's partial, and on an odd rank of a pair its even neighbour's
 * value. The result is written into `recv` at the end; an exclusive scan
 * leaves rank 0's `recv` untouched (as MPI: it is undefined there).
 *
 * Operands are always combined in rank order. Inputs that disagree (type,
 * length) are found from what arrives, and poison markers reach every rank
 * by the end (see `scan/recursive_doubling.ts`), so all throw the same
 * SpmdError. A user op that throws while combining partial results that
 * both partners compute fails every rank alike; one that throws while
 * computing a result that only one rank computes fails that rank (and, for
 * the even neighbour's result, that neighbour) alone.
 *
 * @module
 */

import { ANY_TAG, IN_PLACE } from "../constants.ts";
import type { Coll } from "./_coll.ts";
import { type Bad, errorText, Fault, raise, settle } from "./_fault.ts";
import { ran } from "./_forced.ts";
import { allreduceSlots } from "./allreduce/slots.ts";
import { scanNative } from "./scan/native.ts";
import { NOT_NATIVE, served } from "./_native.ts";
import type { Op } from "../ops.ts";
import { T_SCAN, T_SCAN_ERROR } from "../transport/calls.ts";
import { KIND_UINT8, type NumericArray, typedKind } from "../transport/typed.ts";
import "./scan/select.ts";
import {
  alone,
  bytesOfArray,
  classify,
  combineOrdered,
  copyInto,
  forcedAs,
  GOT_DATA,
  NOWHERE,
  sendMarker,
  stateOf,
  thrown,
} from "./_into.ts";

const forced = forcedAs("scan");

// Scratch slots.
const P = 0; // partial: the reduction of this rank's aligned group of the pof2 ranks
const T = 1; // the partner's partial
const E = 2; // excl: the reduction of every rank below (valid once `have`)
const V = 3; // an odd rank of a pair: its even neighbour's value
const O = 4; // a copy of this rank's input, for a user op (which may modify either operand)
const U = 5; // a user op: a copy of the partner's partial, which two combines take

/** True for the tags a scan receives. */
function isScanTag(tag: number): boolean {
  return tag === T_SCAN || tag === T_SCAN_ERROR;
}

/**
 * Inclusive (`exclusive` false) or exclusive prefix reduction of every
 * rank's `send` (`recv` itself when `send` is IN_PLACE) with `op`, into
 * `recv`. `bad` is what is wrong with this rank's arguments, if anything.
 */
export function scanInto(
  c: Coll,
  send: NumericArray | typeof IN_PLACE,
  recv: NumericArray,
  op: Op,
  exclusive: boolean,
  bad: Bad | null = null,
): void {
  const force = served(c, forced(c.call));
  ran(c, "scan", "recursive_doubling");
  const { rank, size } = c;
  if (size === 1) return alone(c, bad, recv, exclusive ? null : send);
  if (c.native !== null && (force === null || force === "native")) {
    // One round of agreement, then the library's own scan where it applies (scan/native.ts).
    if (scanNative(c, c.native, send === IN_PLACE ? recv : send, op, exclusive, bad, recv) !== NOT_NATIVE) {
      ran(c, "scan", "native");
      return;
    }
  }
  // On the shared slots, first a round in which the ranks agree on call, op, type and length (or all fail alike).
  if (c.slots !== null) allreduceSlots(c, c.slots, send === IN_PLACE ? recv : send, op, bad, null, false);
  const ok0 = bad === null;
  const kind = ok0 ? typedKind(recv) : KIND_UINT8;
  const n = ok0 ? recv.length : 0;
  const bytes = ok0 ? recv.byteLength : 0;
  const st = stateOf(c);
  st.reserve(kind, n, 6);
  const p = st.scratch(kind, n, P);
  const t = st.scratch(kind, n, T);
  const e = st.scratch(kind, n, E);
  const v = st.scratch(kind, n, V);
  const pB = st.scratchBytes(P);
  const tB = st.scratchBytes(T);
  const user = op.family === "user";
  // This rank's input, never modified: the caller's send (a copy for a user op), or recv in place.
  let own = recv;
  if (ok0 && send !== IN_PLACE) {
    if (!exclusive) copyInto(recv, send);
    else if (user) {
      own = st.scratch(kind, n, O);
      copyInto(own, send as NumericArray);
    } else own = send as NumericArray;
  }
  S.f = ok0 ? null : new Fault(bad);
  S.local = null;
  S.cause = undefined;
  let pof2 = 1;
  while (pof2 * 2 <= size) pof2 *= 2;
  const rem = size - pof2;
  let newrank: number;
  if (rank < 2 * rem && rank % 2 === 0) {
    if (S.f === null) c.sendBytes(kind, bytesOfArray(own), rank + 1, T_SCAN);
    else sendMarker(c, rank + 1);
    newrank = -1;
  } else if (rank < 2 * rem) {
    take(c, st.scratchBytes(V), rank - 1, kind, bytes);
    if (S.f === null) {
      copyInto(p, v);
      if (user) copyInto(t, own); // v and own are needed again: a user op gets copies
      shared(c, op, p, user ? t : own, false);
    }
    newrank = rank >> 1;
  } else {
    if (S.f === null) copyInto(p, own);
    newrank = rank - rem;
  }
  let have = false;
  if (newrank >= 0) {
    for (let mask = 1; mask < pof2; mask <<= 1) {
      const np = newrank ^ mask;
      const partner = np < rem ? np * 2 + 1 : np + rem;
      if (S.f === null) c.sendBytes(kind, pB, partner, T_SCAN);
      else sendMarker(c, partner);
      take(c, tB, partner, kind, bytes);
      if (S.f !== null) continue;
      const last = mask * 2 >= pof2; // the last round's partial is never used
      if (partner < rank) {
        if (!have) copyInto(e, t);
        else if (user && !last) {
          const u = st.scratch(kind, n, U);
          copyInto(u, t); // t goes into partial too: a user op gets a copy
          mine(c, op, e, u, true);
        } else mine(c, op, e, t, true);
        have = true;
        if (!last) shared(c, op, p, t, true);
      } else if (!last) shared(c, op, p, t, false);
    }
  }
  if (rank < 2 * rem && rank % 2 === 0) {
    // The odd neighbour sends this rank's result, the reason it has none, or poison.
    const expect = exclusive && rank === 0 ? 0 : bytes;
    const m = c.recvBytes(S.f === null && expect > 0 ? bytesOfArray(recv) : NOWHERE, rank + 1, ANY_TAG);
    const got = classify(c, m, rank + 1, T_SCAN, kind, expect, isScanTag);
    if (m.tag === T_SCAN_ERROR) {
      const why = c.recv(rank + 1, T_SCAN_ERROR) as Bad;
      if (S.f === null) S.local = why;
    } else if (got !== GOT_DATA && S.f === null) S.f = failed();
  } else if (rank < 2 * rem) {
    // Odd: the even neighbour's exclusive result is excl (nothing on rank 0), its inclusive one excl · v.
    if (S.f === null && !exclusive && have) mine(c, op, e, v, false);
    if (S.f !== null) sendMarker(c, rank - 1);
    else if (S.local !== null) {
      c.sendBytes(KIND_UINT8, NOWHERE, rank - 1, T_SCAN_ERROR);
      c.send(S.local, rank - 1, T_SCAN_ERROR);
    } else if (have) c.sendBytes(kind, bytesOfArray(e), rank - 1, T_SCAN);
    else c.sendBytes(kind, exclusive ? NOWHERE : bytesOfArray(v), rank - 1, T_SCAN);
    // This rank's exclusive result is excl · v, its inclusive one excl · v · own.
    if (exclusive && have) mine(c, op, e, v, false);
    if (S.f === null && S.local === null) {
      const x = have ? e : v;
      if (exclusive) copyInto(recv, x);
      else mine(c, op, recv, x, true);
    }
  } else if (S.f === null && S.local === null && have) {
    if (exclusive) copyInto(recv, e);
    else mine(c, op, recv, e, true);
  }
  const f = S.f;
  const local = S.local;
  const cause = S.cause;
  S.f = null;
  S.local = null;
  S.cause = undefined;
  if (op.family === "user") settle(c, f ?? new Fault(null), send === IN_PLACE ? recv : send, op);
  else if (f !== null) raise(c, f, send === IN_PLACE ? recv : send, op, true);
  if (local !== null) {
    const x = thrown(c, local);
    if (cause !== undefined) x.cause = cause;
    throw x;
  }
}

/** The state of the scan in progress (scans never nest). */
const S: { f: Fault | null; local: Bad | null; cause: unknown } = { f: null, local: null, cause: undefined };

/** Combines into a value both partners compute: a throw fails every rank. */
function shared(c: Coll, op: Op, acc: NumericArray, other: NumericArray, otherIsLower: boolean): void {
  if (S.f !== null) return;
  try {
    combineOrdered(c.call, op, acc, other, otherIsLower);
  } catch (x) {
    S.f = new Fault(null);
    S.f.caught(c, op, x);
  }
}

/** Combines into a value only this rank computes: a throw fails this rank alone. */
function mine(c: Coll, op: Op, acc: NumericArray, other: NumericArray, otherIsLower: boolean): void {
  if (S.f !== null || S.local !== null) return;
  try {
    combineOrdered(c.call, op, acc, other, otherIsLower);
  } catch (x) {
    S.local = { message: errorText(c, op, x), code: "MPI_ERR_OP" };
    S.cause = x;
  }
}

/** Receives a partner's value into `into` (nowhere once failed); anything but the data expected fails the scan. */
function take(c: Coll, into: Uint8Array, src: number, kind: number, bytes: number): void {
  const m = c.recvBytes(S.f === null ? into : NOWHERE, src, ANY_TAG);
  if (classify(c, m, src, T_SCAN, kind, bytes, isScanTag) !== GOT_DATA && S.f === null) S.f = failed();
}

/** A fault that has failed (made on the failure path only). */
function failed(): Fault {
  const f = new Fault(null);
  f.failed = true;
  return f;
}
