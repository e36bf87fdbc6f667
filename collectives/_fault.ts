// When the ranks' inputs to a reduction disagree (lengths, element types,
// counts, value types, an input that only some ranks got wrong), every rank
// must throw the same error and consume exactly the messages it would have,
// so the communicator stays usable.
//
// No round is added to a call that succeeds: a rank detects the problem
// from what arrives (a tag that says another kind of data, a byte count that
// is not its own, an operand the op rejects). From then on it keeps to the
// algorithm's exchange pattern but sends a poison marker instead of data,
// and a rank that receives a marker does the same. Reductions whose result
// depends on every rank (allreduce, reduceScatter, scan with the pattern of
// scan/recursive_doubling.ts) carry a marker to every rank by the end. Only
// then, on the failure path, do the ranks allgather what each passed, so
// that all of them build and throw one and the same message from it.

import { describe, SpmdError } from "../errors.ts";
import type { Coll } from "./_coll.ts";
import { allgather } from "./allgather/select.ts";
import type { Op } from "../ops.ts";

/** Payload of a poison marker (sent with tag T_POISON). */
export const MARKER: Uint8Array = new Uint8Array(0);

/** Thrown by a merge step when two headers differ: the table explains it. */
export const DISAGREE: Error = new Error("inputs disagree");

/** An input that one rank found wrong before communicating: message (without the call's name) and code. */
export interface Bad {
  /** The message, without the call's name. */
  message: string;
  /** MPI-style error class. */
  code: string;
}

/** What a rank knows of a reduction that is failing. */
export class Fault {
  /** True once this rank knows the reduction fails (it then sends markers). */
  failed: boolean;
  /** This rank's own input error. */
  readonly bad: Bad | null;
  /** An error thrown while combining operands shared by several ranks (same on each of them). */
  err: string | null = null;
  /** The thrown value behind `err`. */
  cause: unknown = undefined;

  /** A fault that has already failed when the rank's own input is `bad`. */
  constructor(bad: Bad | null) {
    this.bad = bad;
    this.failed = bad !== null;
  }

  /** Records an error thrown by a merge step. */
  caught(c: Coll, op: Op | null, e: unknown): void {
    this.failed = true;
    if (e === DISAGREE || this.err !== null) return;
    this.err = errorText(c, op, e);
    this.cause = e;
  }
}

/**
 * True when `e`, thrown by sending a value, says that the value cannot be sent (an op's result or an input that is
 * not structured-cloneable, or is detached): the rank then sends a marker instead, so that no rank waits for it.
 */
export function unsendable(e: unknown): e is SpmdError {
  return e instanceof SpmdError && (e.code === "MPI_ERR_TYPE" || e.code === "MPI_ERR_BUFFER");
}

/** The text of an error thrown while combining, without the call's name. */
export function errorText(c: Coll, op: Op | null, e: unknown): string {
  return thrownText(c.call, op, e);
}

/** errorText for call `call` (the nonblocking reductions have no Coll). */
export function thrownText(call: string, op: Op | null, e: unknown): string {
  if (e instanceof SpmdError) {
    const p = `${call}: `;
    return e.message.startsWith(p) ? e.message.slice(p.length) : e.message;
  }
  const what = e instanceof Error ? `${e.name}: ${e.message}` : describe(e);
  const name = op?.name ?? "user op";
  return `${name === "user op" ? "the user op" : `op ${name}`} threw ${what}`;
}

/** Short description of a value's shape: what must agree between ranks. */
export function shapeOf(v: unknown): string {
  if (ArrayBuffer.isView(v)) {
    const n = v instanceof DataView ? v.byteLength : (v as Uint8Array).length;
    return `${v.constructor.name}(${n})`;
  }
  if (Array.isArray(v)) return `Array(${v.length})`;
  if (v === null) return "null";
  const t = typeof v;
  if (t === "undefined") return "undefined";
  if (t === "object") return "an object";
  return `a ${t}`;
}

/** "rank 3", "ranks 0-2, 5". */
export function rankList(ranks: readonly number[]): string {
  if (ranks.length === 1) return `rank ${ranks[0]}`;
  const parts: string[] = [];
  for (let i = 0; i < ranks.length;) {
    let j = i;
    while (j + 1 < ranks.length && ranks[j + 1] === ranks[j] + 1) j++;
    parts.push(j === i ? `${ranks[i]}` : `${ranks[i]}-${ranks[j]}`);
    i = j + 1;
  }
  return `ranks ${parts.join(", ")}`;
}

/** "rank 2 passed X but ranks 0-1 passed Y" from each rank's label, or null when all labels agree. */
export function disagreement(labels: readonly string[], verb = "passed"): string | null {
  const groups = new Map<string, number[]>();
  labels.forEach((l, r) => {
    const g = groups.get(l);
    if (g === undefined) groups.set(l, [r]);
    else g.push(r);
  });
  if (groups.size < 2) return null;
  const [[refLabel, refRanks], ...rest] = [...groups];
  const others = rest.map(([l, rs]) => `${rankList(rs)} ${verb} ${l}`).join(", ");
  return `${others} but ${rankList(refRanks)} ${verb} ${refLabel}`;
}

/** One rank's row of the failure table. */
type Row = [
  call: string,
  shape: string,
  op: string,
  strict: boolean,
  counts: number[] | null,
  bad: string | null,
  badCode: string,
  err: string | null,
  failed: boolean,
];

/**
 * Called by every rank of a failed reduction (each knows it failed): all
 * ranks share what they passed and throw the same error, which names the
 * ranks and what each passed. `strict` says whether shapes must agree (they
 * need not for a user op); `counts` are reduceScatter's; `shape` replaces
 * `shapeOf(value)` where what a rank passed is a block of `value`.
 */
export function raise(
  c: Coll,
  f: Fault,
  value: unknown,
  op: Op | null,
  strict: boolean,
  counts: readonly number[] | null = null,
  shape: string | null = null,
): never {
  share(c, f, value, op, strict, counts, shape, true);
  throw c.error("internal: a failed reduction found no failure", "MPI_ERR_INTERN"); // share threw already
}

/**
 * For a reduction with a user op, which may throw on some ranks and not on
 * others (in the last exchange, the partner of a rank whose op threw has
 * already finished): every rank shares its row, failed or not, and all throw
 * the same error if any failed, or all return. One round more, for user ops
 * only; it meets `raise` on ranks that know they failed (both are one
 * allgather of rows), so ranks whose ops differ still fail alike.
 */
export function settle(
  c: Coll,
  f: Fault,
  value: unknown,
  op: Op | null,
  counts: readonly number[] | null = null,
): void {
  share(c, f, value, op, false, counts, null, f.failed);
}

/** Shares every rank's row; throws the error they explain when any rank failed. */
function share(
  c: Coll,
  f: Fault,
  value: unknown,
  op: Op | null,
  strict: boolean,
  counts: readonly number[] | null,
  shape: string | null,
  failed: boolean,
): void {
  const row: Row = [
    c.call,
    shape ?? shapeOf(value),
    op?.name ?? "",
    strict,
    counts === null ? null : [...counts],
    f.bad?.message ?? null,
    f.bad?.code ?? "",
    f.err,
    failed,
  ];
  const rows = allgather(c, row) as Row[];
  if (!rows.some((r) => r[8])) return;
  const [message, code] = explain(rows);
  const e = c.error(message, code);
  if (f.cause !== undefined && f.err !== null && message.startsWith(f.err)) e.cause = f.cause;
  throw e;
}

/** The message (and code) that every rank throws, built from every rank's row. */
function explain(rows: Row[]): [string, string] {
  const calls = disagreement(rows.map((r) => r[0]), "called");
  if (calls !== null) return [`${calls} (mismatched collectives)`, "MPI_ERR_OTHER"];
  const bad = firstOf(rows.map((r) => r[5]), "");
  if (bad !== null) return [bad, rows.find((r) => r[5] !== null)![6]];
  const shapes = disagreement(rows.map((r) => r[1]));
  if (shapes !== null && rows.every((r) => r[3])) return [shapes, "MPI_ERR_ARG"];
  const counts = countsDisagreement(rows.map((r) => r[4]));
  if (counts !== null) return [counts, "MPI_ERR_COUNT"];
  const ops = disagreement(rows.map((r) => `op ${r[2]}`));
  if (ops !== null) return [ops, "MPI_ERR_OP"];
  const err = firstOf(rows.map((r) => r[7]), "found by ");
  if (err !== null) return [err, "MPI_ERR_OP"];
  if (shapes !== null) return [shapes, "MPI_ERR_ARG"];
  return ["the ranks' inputs disagree", "MPI_ERR_OTHER"];
}

/** The lowest rank's message, followed by the ranks that have it unless all do. */
function firstOf(messages: (string | null)[], prefix: string): string | null {
  const m = messages.find((x) => x !== null);
  if (m === undefined || m === null) return null;
  const ranks = messages.flatMap((x, r) => (x === m ? [r] : []));
  return ranks.length === messages.length ? m : `${m} (${prefix}${rankList(ranks)})`;
}

/** "rank 1 passed counts[0] = 3 but rank 0 passed counts[0] = 2" at the first index where counts differ. */
export function countsDisagreement(all: readonly (readonly number[] | null)[]): string | null {
  const ref = all[0];
  if (ref === null) return null;
  const n = Math.max(...all.map((a) => a?.length ?? 0));
  for (let i = 0; i < n; i++) {
    const labels = all.map((a) => `counts[${i}] = ${a === null ? "?" : a[i] ?? "(none)"}`);
    const d = disagreement(labels);
    if (d !== null) return d;
  }
  return null;
}
