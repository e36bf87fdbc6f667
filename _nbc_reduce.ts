// The nonblocking reductions of values (ireduce, iallreduce, iscan, iexscan), and how the failure of a user op
// travels: a rank whose op throws sends a marker where its result would go, so that the ranks that wait for that
// result fail with the same error instead of waiting for ever (the deadlock monitor would end the job). As in the
// blocking calls, a rooted reduce fails at the root only, and a scan on the ranks from the failing one on.

import { isAbort, SpmdError } from "./errors.ts";
import { thrownText, unsendable } from "./collectives/_fault.ts";
import type { PendingOp } from "./transport/transport.ts";
import { combine, type Op } from "./ops.ts";
import { copyValue } from "./collectives/_coll.ts";
import { bcastSteps, gatherSteps, type Steps } from "./_nbc.ts";

/** The one key of a marker: no reduction of user values makes such an object by chance. */
const MARKER_KEY = "spmd: this nonblocking reduction failed";

/**
 * The error every rank of `call` throws when rank `rank`'s op threw `e` (abort errors are not failures of the op:
 * rethrown as they are). An SpmdError (spmd's own checks, or the op's) keeps its message and code, named.
 */
export function opFailure(call: string, op: Op, e: unknown, rank: number): SpmdError {
  if (isAbort(e)) throw e;
  const err = new SpmdError(
    `${call}: ${thrownText(call, op, e)} (on rank ${rank})`,
    e instanceof SpmdError ? e.code : "MPI_ERR_OP",
  );
  err.cause = e;
  return err;
}

/** What a rank sends on in place of a value when the reduction failed with `e`: its code and message. */
function marker(e: SpmdError): Record<string, string[]> {
  return { [MARKER_KEY]: [e.code, e.message] };
}

/** The error a received value stands for when it is a marker (same message and code on every rank), else null. */
function failureIn(v: unknown): SpmdError | null {
  if (v === null || typeof v !== "object" || Object.getPrototypeOf(v) !== Object.prototype) return null;
  const m = (v as Record<string, unknown>)[MARKER_KEY];
  if (!Array.isArray(m) || m.length !== 2 || Object.keys(v).length !== 1) return null;
  return typeof m[0] === "string" && typeof m[1] === "string" ? new SpmdError(m[1], m[0]) : null;
}

/** Starts sending `value` to rank `r`, or, when it cannot be sent (an op's result that cannot be cloned), a marker. */
function sendOrFail(s: Steps, value: unknown, r: number): [PendingOp, SpmdError | null] {
  try {
    return [s.send(value, r), null];
  } catch (e) {
    if (!unsendable(e)) throw e; // as the blocking reductions: a value that will not encode (aborts are rethrown)
    return [s.send(marker(e), r), e];
  }
}

/**
 * ireduce: gather to the root, combined there in rank order (others null).
 * The root's own value is a copy (gatherSteps), so a user op that modifies
 * its operands never touches the caller's value, as in `reduce`.
 */
export function* reduceSteps(
  s: Steps,
  value: unknown,
  op: Op,
  root: number,
  call: string,
): Generator<PendingOp[], unknown, void> {
  const all = (yield* gatherSteps(s, value, root)) as unknown[] | null;
  if (all === null) return null;
  let acc = all[0];
  try {
    for (let r = 1; r < all.length; r++) acc = combine(call, op, acc, all[r]);
  } catch (e) {
    throw opFailure(call, op, e, s.rank);
  }
  return acc;
}

/** iallreduce: ireduce to rank 0, then ibcast from it (a marker instead, when rank 0's op threw: all fail alike). */
export function* allreduceSteps(s: Steps, value: unknown, op: Op, call: string): Generator<PendingOp[], unknown, void> {
  let acc: unknown;
  let own: SpmdError | null = null; // rank 0's failure, thrown there as it is (with its cause)
  try {
    acc = yield* reduceSteps(s, value, op, 0, call);
  } catch (e) {
    // Rank 0 failed (its op, or a value it could not read): the others wait for its result. Elsewhere the
    // failure is this rank's own (rank 0 waits for no one), and an abort is no failure of the reduction.
    if (s.rank !== 0 || isAbort(e)) throw e;
    own = e instanceof SpmdError ? e : opFailure(call, op, e, 0);
    acc = marker(own);
  }
  if (s.rank !== 0) {
    const v = yield* bcastSteps(s, null, 0);
    const failed = failureIn(v);
    if (failed !== null) throw failed;
    return v;
  }
  const sends: PendingOp[] = [];
  for (let r = 1; r < s.size; r++) {
    const [send, unsendable] = sendOrFail(s, acc, r);
    sends.push(send);
    if (unsendable !== null) acc = marker(own = unsendable); // the rest get the marker too
  }
  yield sends;
  if (own !== null) throw own;
  return acc;
}

/**
 * iscan / iexscan: a chain; rank r gets op(v0, ..., vr) (exclusive: op(v0, ..., vr−1), null on rank 0). A rank
 * whose op throws passes a marker on instead: it and every later rank fail alike, the earlier ones complete.
 */
export function* scanSteps(
  s: Steps,
  value: unknown,
  op: Op,
  exclusive: boolean,
): Generator<PendingOp[], unknown, void> {
  // A user op may modify its operands: it gets copies (of this rank's value, and of the value received
  // when that is also the result), never the caller's value or what is returned.
  const user = op.family === "user";
  const last = s.rank === s.size - 1;
  let before: unknown = null;
  if (s.rank > 0) {
    const r = s.recv(s.rank - 1);
    yield [r];
    before = s.value(r);
    const failed = failureIn(before);
    if (failed !== null) {
      if (!last) yield [s.send(before, s.rank + 1)];
      throw failed;
    }
  }
  if (exclusive && last) return before;
  const own = user || (s.rank === 0 && !exclusive) ? copyValue(value, s.call) : value;
  let incl = own;
  if (s.rank > 0) {
    try {
      incl = combine(s.call, op, exclusive && user ? copyValue(before, s.call) : before, own);
    } catch (e) {
      const failed = opFailure(s.call, op, e, s.rank);
      if (!last) yield [s.send(marker(failed), s.rank + 1)];
      throw failed;
    }
  }
  if (!last) {
    const [send, unsendable] = sendOrFail(s, incl, s.rank + 1);
    yield [send];
    if (unsendable !== null) throw unsendable;
  }
  return exclusive ? before : incl;
}
