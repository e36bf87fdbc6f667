/**
 * `alltoallv`: the selector. Every rank first learns every rank's array
 * type, send counts, and receive counts and displacements where given (one
 * allgather of 4 + 3p numbers a rank), so counts that do not match between
 * a sender and its receiver, overlapping blocks, or bad arguments fail on
 * every rank with the same message; then one algorithm, `pairwise`, moves
 * the data. Forced by `SPMD_COLL_ALLTOALLV` (see `../_forced.ts`).
 *
 * @module
 */

import { kindName } from "../../transport/codec.ts";
import { typedKind } from "../../transport/typed.ts";
import type { Coll } from "../_coll.ts";
import { offsetsOf } from "../_blocks.ts";
import { countsMisfit, displsMisfit, extentOf, overlapMisfit } from "../_agree.ts";
import { disagreement, rankList } from "../_fault.ts";
import { forcedBy, ran } from "../_forced.ts";
import { allgather } from "../allgather/select.ts";
import { alltoallvPairwise } from "./pairwise.ts";

const forced = forcedBy("alltoallv", ["pairwise"]);

/** What one rank passed to {@linkcode alltoallv}; null where it passed nothing. */
export interface AlltoallvArgs {
  /** The elements this rank sends. */
  array: ArrayBufferView;
  /** Elements for each rank. */
  sendCounts: readonly number[];
  /** Where each rank's elements start in `array` (packed when null). */
  sendDispls: readonly number[] | null;
  /** Elements from each rank (learned from the senders when null). */
  recvCounts: readonly number[] | null;
  /** Where each rank's elements go in the result (packed when null). */
  recvDispls: readonly number[] | null;
}

/**
 * Returns what every rank sent here, rank i's block at `recvDispls[i]`
 * (gaps zero). `bad` is what is wrong with this rank's array, if anything
 * (every rank then throws).
 */
export function alltoallv(c: Coll, a: AlltoallvArgs, bad: string | null): ArrayBufferView {
  forced(c.call);
  const p = c.size;
  const own = bad !== null ? { message: bad, code: "MPI_ERR_BUFFER" } : ownMisfit(a, p);
  // [length, kind, error?, 0, sendCounts..., recvCounts (−1: not given)..., recvDispls (−1: not given)...]
  const fast = new Float64Array(4 + 3 * p).fill(-1);
  fast[0] = own === null ? (a.array as Float64Array).length : -1;
  fast[1] = own === null ? typedKind(a.array) : 0;
  fast[2] = own === null ? 0 : 1;
  if (own === null) {
    for (let i = 0; i < p; i++) {
      fast[4 + i] = a.sendCounts[i];
      if (a.recvCounts !== null) fast[4 + p + i] = a.recvCounts[i];
      if (a.recvDispls !== null) fast[4 + 2 * p + i] = a.recvDispls[i];
    }
  }
  const table = allgather(c, fast) as Float64Array[];
  if (table.some((t) => t[2] !== 0)) {
    // Slow round, only on failure: every rank's message, for one error on every rank.
    const whys = allgather(c, own === null ? null : [own.message, own.code]) as ([string, string] | null)[];
    const first = whys.find((w) => w !== null)!;
    const ranks = whys.flatMap((w, r) => (w !== null && w[0] === first[0] ? [r] : []));
    throw c.error(ranks.length === p ? first[0] : `${first[0]} (${rankList(ranks)})`, first[1]);
  }
  const kinds = disagreement(table.map((t) => `a ${kindName(t[1])}`));
  if (kinds !== null) throw c.error(kinds, "MPI_ERR_TYPE");
  for (let j = 0; j < p; j++) {
    const counts = table.map((t) => t[4 + j]); // what every rank sends to rank j
    const given = table[j][4 + p] >= 0;
    for (let i = 0; i < p && given; i++) {
      const want = table[j][4 + p + i];
      if (want !== counts[i]) {
        throw c.error(
          `rank ${i} sends ${
            counts[i]
          } elements to rank ${j} (its sendCounts[${j}]) but rank ${j} expects ${want} (its recvCounts[${i}])`,
          "MPI_ERR_COUNT",
        );
      }
    }
    if (table[j][4 + 2 * p] >= 0) {
      const why = overlapMisfit(counts, Array.from(table[j].subarray(4 + 2 * p)), "recvDispls");
      if (why !== null) throw c.error(`rank ${j}'s result: ${why}`, "MPI_ERR_ARG");
    }
  }
  const recvCounts = table.map((t) => t[4 + c.rank]);
  const recvDispls = a.recvDispls ?? offsetsOf(recvCounts);
  ran(c, "alltoallv", "pairwise");
  return alltoallvPairwise(
    c,
    a.array,
    a.sendCounts,
    a.sendDispls ?? offsetsOf(a.sendCounts),
    recvCounts,
    recvDispls,
    extentOf(recvCounts, recvDispls),
  );
}

/** What is wrong with this rank's counts and displacements (message and code), or null. */
function ownMisfit(a: AlltoallvArgs, p: number): { message: string; code: string } | null {
  const count = (message: string | null) => message === null ? null : { message, code: "MPI_ERR_COUNT" };
  const arg = (message: string | null) => message === null ? null : { message, code: "MPI_ERR_ARG" };
  const bad = count(countsMisfit(a.sendCounts, p, "sendCounts")) ??
    arg(a.sendDispls === null ? null : displsMisfit(a.sendDispls, p, "sendDispls")) ??
    count(a.recvCounts === null ? null : countsMisfit(a.recvCounts, p, "recvCounts")) ??
    arg(a.recvDispls === null ? null : displsMisfit(a.recvDispls, p, "recvDispls"));
  if (bad !== null) return bad;
  const n = (a.array as Float64Array).length;
  if (a.sendDispls === null) {
    const total = offsetsOf(a.sendCounts)[p];
    return total === n ? null : count(`sendCounts add up to ${total} but array has ${n} elements`);
  }
  const need = extentOf(a.sendCounts, a.sendDispls);
  return need <= n ? null : count(`sendDispls and sendCounts reach element ${need} but array has ${n}`);
}
