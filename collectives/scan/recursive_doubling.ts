/**
 * Inclusive and exclusive prefix reductions by recursive doubling.
 *
 * Cost: log2 pof2 rounds, + 2 when p is not a power of two (pof2 the
 * largest power of two below p, rem = p − pof2). As in allreduce, the first
 * 2·rem ranks pair up: each even rank hands its value to its odd neighbour,
 * which stands for the pair. The pof2 remaining ranks keep `partial`, the
 * reduction of an aligned group of 2^k of them, and exchange it with
 * newrank ^ 2^k; a partial from lower ranks is combined on the left (so ops
 * that are not commutative apply in rank order) and also into `excl`, the
 * reduction of every rank below. At the end each odd rank computes its even
 * neighbour's result and hands it back.
 *
 * Every rank takes part in every round of a group that ends up covering all
 * ranks, so a rank that finds the inputs disagree reaches all the others
 * with its poison markers (see `_fault.ts`). An error in combining what only
 * one rank computes (its own result) fails that rank alone.
 *
 * A user op only ever sees values this rank owns: the input and every
 * value that is used twice are copied.
 *
 * @module
 */

import { checkSendable, type Coll, copyValue } from "../_coll.ts";
import { T_POISON, T_SCAN, T_SCAN_ERROR } from "../../transport/calls.ts";
import { type Bad, errorText, Fault, MARKER, raise, settle, unsendable } from "../_fault.ts";
import { combine, type Op } from "../../ops.ts";

/** Inclusive (`exclusive` false) or exclusive prefix reduction; exclusive gives null on rank 0. */
export function scanRecursiveDoubling(
  c: Coll,
  value: unknown,
  op: Op,
  exclusive: boolean,
  bad: Bad | null = null,
): unknown {
  const { rank, size } = c;
  if (size === 1) {
    if (bad !== null) throw c.error(bad.message, bad.code);
    if (!exclusive) return copyValue(value, c.call);
    checkSendable(value, c.call);
    return null;
  }
  const s = new Scan(c, op, bad);
  const own = s.user ? copyValue(value, c.call) : value;
  let pof2 = 1;
  while (pof2 * 2 <= size) pof2 *= 2;
  const rem = size - pof2;
  let newrank: number;
  let w: unknown = own; // the value this rank stands for: its own, or its pair's
  let ve: unknown = undefined; // on an odd rank of a pair: the even neighbour's value
  if (rank < 2 * rem) {
    if (rank % 2 === 0) {
      s.put(own, rank + 1);
      newrank = -1;
    } else {
      ve = s.take(rank - 1);
      if (!s.f.failed) w = s.shared(s.dup(ve), own);
      newrank = rank >> 1;
    }
  } else newrank = rank - rem;
  let excl: unknown = undefined;
  let have = false;
  if (newrank >= 0) {
    let partial = s.dup(w);
    for (let mask = 1; mask < pof2; mask <<= 1) {
      const np = newrank ^ mask;
      const partner = np < rem ? np * 2 + 1 : np + rem;
      s.put(partial, partner);
      const other = s.take(partner);
      if (s.f.failed) continue;
      if (partner < rank) {
        if (s.local === null) excl = have ? s.own(s.dup(other), excl) : s.dup(other);
        have = true;
        partial = s.shared(other, partial);
      } else partial = s.shared(partial, other);
    }
  }
  let result: unknown = null;
  if (rank < 2 * rem && rank % 2 === 0) {
    // The odd neighbour sends this rank's result, its error, or poison.
    const got = c.recvAccepting(rank + 1, T_SCAN, isScanTag);
    if (c.lastTag === T_SCAN) result = got;
    else if (c.lastTag === T_SCAN_ERROR) s.local ??= got as string;
    else s.f.failed = true;
  } else if (rank < 2 * rem) {
    // Odd: the even neighbour's result first (excl·ve, or excl alone), then this rank's.
    if (s.f.failed) c.send(MARKER, rank - 1, T_POISON);
    else if (s.local !== null) c.send(s.local, rank - 1, T_SCAN_ERROR);
    else if (exclusive) s.give(have ? excl : null, rank - 1);
    else {
      const theirs = have ? s.attempt(s.dup(excl), ve) : ve;
      if (theirs === FAILED) c.send(s.attemptError, rank - 1, T_SCAN_ERROR);
      else s.give(theirs, rank - 1);
    }
    if (!s.f.failed && s.local === null) {
      result = exclusive ? (have ? s.own(excl, ve) : ve) : (have ? s.own(excl, w) : w);
    }
  } else if (!s.f.failed && s.local === null) {
    result = exclusive ? (have ? excl : null) : (have ? s.own(excl, w) : w);
  }
  if (op.family === "user") settle(c, s.f, value, op);
  else if (s.f.failed) raise(c, s.f, value, op, true);
  if (s.local !== null) {
    const e = c.error(s.local, "MPI_ERR_OP");
    if (s.cause !== undefined) e.cause = s.cause;
    throw e;
  }
  return result === value ? copyValue(result, c.call) : result;
}

/** True for the tags a scan receives. */
function isScanTag(tag: number): boolean {
  return tag === T_SCAN || tag === T_POISON || tag === T_SCAN_ERROR;
}

/** What `Scan.attempt` returns when the op throws. */
const FAILED = Symbol("failed");

/** State of one scan: the fault shared by all ranks, and this rank's own result error. */
class Scan {
  readonly f: Fault;
  readonly user: boolean;
  /** Why this rank's own result could not be computed. */
  local: string | null = null;
  /** The error of the last `attempt` that failed, and what was thrown. */
  attemptError = "";
  cause: unknown = undefined;
  readonly #c: Coll;
  readonly #op: Op;

  constructor(c: Coll, op: Op, bad: Bad | null) {
    this.#c = c;
    this.#op = op;
    this.f = new Fault(bad);
    this.user = op.family === "user";
  }

  /** A copy for a user op, which may modify its operands; built-ins never do. */
  dup(v: unknown): unknown {
    if (!this.user) return v;
    try {
      return copyValue(v, this.#c.call);
    } catch (e) {
      if (!unsendable(e)) throw e;
      this.f.caught(this.#c, this.#op, e); // an op's result that is no value: the scan fails, on every rank
      return v;
    }
  }

  /** Sends a partial result, or poison once failed (or when it cannot be sent: an op's result that is no value). */
  put(v: unknown, dest: number): void {
    if (!this.f.failed) {
      try {
        this.#c.send(v, dest, T_SCAN);
        return;
      } catch (e) {
        if (!unsendable(e)) throw e;
        this.f.caught(this.#c, this.#op, e);
      }
    }
    this.#c.send(MARKER, dest, T_POISON);
  }

  /** Sends the even neighbour its result, or why it cannot be sent (that rank alone then fails, as with `own`). */
  give(v: unknown, dest: number): void {
    try {
      this.#c.send(v, dest, T_SCAN);
    } catch (e) {
      if (!unsendable(e)) throw e;
      this.#c.send(errorText(this.#c, this.#op, e), dest, T_SCAN_ERROR);
    }
  }

  /** Receives a partner's partial result (undefined, and failed, for poison). */
  take(src: number): unknown {
    const got = this.#c.recvAccepting(src, T_SCAN, isScanTag);
    if (this.#c.lastTag === T_SCAN) return got;
    this.f.failed = true;
    return undefined;
  }

  /** Combines partial results that the partner combines too: an error fails every rank. */
  shared(a: unknown, b: unknown): unknown {
    try {
      return combine(this.#c.call, this.#op, a, b);
    } catch (e) {
      this.f.caught(this.#c, this.#op, e);
      return a;
    }
  }

  /** Combines into a result only this rank computes: an error fails this rank alone. */
  own(a: unknown, b: unknown): unknown {
    if (this.local !== null) return a;
    const r = this.attempt(a, b);
    if (r !== FAILED) return r;
    this.local = this.attemptError;
    return a;
  }

  /** Combines, or returns FAILED (the error in `attemptError` and `cause`). */
  attempt(a: unknown, b: unknown): unknown {
    try {
      return combine(this.#c.call, this.#op, a, b);
    } catch (e) {
      this.attemptError = errorText(this.#c, this.#op, e);
      this.cause = e;
      return FAILED;
    }
  }
}
