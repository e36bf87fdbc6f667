// Before a vector collective moves data, every rank learns every rank's
// block length and element type, its counts, and any error in its own
// arguments (one small allgather), so that counts that do not add up or
// differ between ranks fail on every rank with the same message instead of
// leaving some ranks waiting or giving them the wrong blocks.

import { describe } from "../errors.ts";
import { detachedWhy, kindName } from "../transport/codec.ts";
import { typedKind } from "../transport/typed.ts";
import type { Coll } from "./_coll.ts";
import { offsetsOf } from "./_blocks.ts";
import { countsDisagreement, disagreement, rankList } from "./_fault.ts";
import { allgather } from "./allgather/select.ts";

/**
 * One rank's block: [length (−1 where a rank has none), kind, counts,
 * argument error or null, displacements (the packed offsets when it passed
 * none), whether it passed displacements].
 */
export type Block = [number, number, readonly number[], string | null, readonly number[], boolean];

/** Why `a` cannot be a vector collective's block (it is not a typed array), or null. */
export function typedMisfit(a: unknown): string | null {
  if (!ArrayBuffer.isView(a) || a instanceof DataView) return `array must be a typed array, got ${describe(a)}`;
  return detachedWhy(a);
}

/** Why `counts` cannot be the counts of a communicator of `size` ranks (`name`: what to call them), or null. */
export function countsMisfit(counts: unknown, size: number, name = "counts"): string | null {
  if (!Array.isArray(counts) || counts.length !== size) {
    return `${name} must be an array of ${size} counts (one per rank), got ${describe(counts)}`;
  }
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i];
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
      return `${name}[${i}] must be a non-negative integer, got ${describe(n)}`;
    }
  }
  return null;
}

/** Why `displs` cannot be the displacements of `size` ranks' blocks (`name`: what to call them), or null. */
export function displsMisfit(displs: unknown, size: number, name = "displs"): string | null {
  if (!Array.isArray(displs) || displs.length !== size) {
    return `${name} must be an array of ${size} displacements (one per rank), got ${describe(displs)}`;
  }
  for (let i = 0; i < displs.length; i++) {
    const n = displs[i];
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
      return `${name}[${i}] must be a non-negative integer, got ${describe(n)}`;
    }
  }
  return null;
}

/** The elements that blocks of `counts` at `displs` span: max(displs[i] + counts[i]), 0 for none. */
export function extentOf(counts: readonly number[], displs: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < counts.length; i++) n = Math.max(n, displs[i] + counts[i]);
  return n;
}

/** Why blocks of `counts` at `displs` overlap (`name`: the displacements' name), or null. */
export function overlapMisfit(counts: readonly number[], displs: readonly number[], name = "displs"): string | null {
  const idx = counts.map((_, i) => i).filter((i) => counts[i] > 0).sort((a, b) => displs[a] - displs[b] || a - b);
  for (let k = 1; k < idx.length; k++) {
    const [a, b] = [idx[k - 1], idx[k]];
    if (displs[a] + counts[a] > displs[b]) {
      return `the blocks of ranks ${a} and ${b} overlap (${name}[${a}] = ${displs[a]}, counts[${a}] = ${
        counts[a]
      }, ${name}[${b}] = ${displs[b]})`;
    }
  }
  return null;
}

/** Error code of an argument error message. */
function codeOf(why: string): string {
  return why.startsWith("counts") ? "MPI_ERR_COUNT" : why.startsWith("displs") ? "MPI_ERR_ARG" : "MPI_ERR_BUFFER";
}

/**
 * Every rank's block, counts and argument error. Throws on every rank if
 * some rank's arguments are wrong (`bad`, or its counts or `displs`) or the
 * counts or displacements differ between ranks (a rank that passes no
 * displacements has the packed ones).
 */
export function agreeBlocks(
  c: Coll,
  array: ArrayBufferView | null,
  counts: readonly number[],
  bad: string | null,
  displs: readonly number[] | null = null,
): Block[] {
  const p = c.size;
  const own = bad ?? countsMisfit(counts, p) ?? (displs === null ? null : displsMisfit(displs, p));
  const at = own !== null ? [] : displs ?? offsetsOf(counts);
  // Fast round, binary: [length, kind, error?, displs?, counts..., displs...]
  // per rank. Every rank sees the same table, so all of them take the slow
  // round below together, and only when something is wrong.
  const fast = new Float64Array(4 + 2 * p);
  fast[0] = array === null || own !== null ? -1 : (array as Float64Array).length;
  fast[1] = array === null || own !== null ? 0 : typedKind(array);
  fast[2] = own === null ? 0 : 1;
  fast[3] = displs === null ? 0 : 1;
  if (own === null) {
    for (let i = 0; i < p; i++) {
      fast[4 + i] = counts[i];
      fast[4 + p + i] = at[i];
    }
  }
  const table = allgather(c, fast) as Float64Array[];
  let clean = true;
  for (let r = 0; r < p && clean; r++) {
    const t = table[r];
    if (t[2] !== 0) clean = false;
    else for (let i = 4; i < 4 + 2 * p; i++) if (t[i] !== table[0][i]) clean = false;
  }
  if (clean) return table.map((t) => [t[0], t[1], counts, null, at, t[3] === 1] as Block);
  // Slow round, only on failure: what each rank passed, for one message on every rank.
  const mine: Block = [fast[0], fast[1], own === null ? counts : [], own, at, displs !== null];
  const blocks = allgather(c, mine) as Block[];
  const first = blocks.find((b) => b[3] !== null);
  if (first !== undefined) {
    const ranks = blocks.flatMap((b, r) => (b[3] === first[3] ? [r] : []));
    const why = ranks.length === blocks.length ? first[3]! : `${first[3]} (${rankList(ranks)})`;
    throw c.error(why, codeOf(first[3]!));
  }
  const differ = countsDisagreement(blocks.map((b) => b[2]));
  if (differ !== null) throw c.error(differ, "MPI_ERR_COUNT");
  for (let i = 0; i < p; i++) {
    if (blocks.every((b) => b[4][i] === blocks[0][4][i])) continue;
    const d = disagreement(blocks.map((b) => `displs[${i}] = ${b[4][i]}${b[5] ? "" : " (packed, no displs)"}`));
    throw c.error(d!, "MPI_ERR_ARG");
  }
  return blocks;
}

/**
 * Throws on every rank if some rank's block differs from `counts` or the
 * types differ, or (a result's blocks) the blocks overlap.
 */
export function checkBlocks(c: Coll, blocks: Block[], counts: readonly number[]): void {
  const overlap = overlapMisfit(counts, blocks[0][4]);
  if (overlap !== null) throw c.error(overlap, "MPI_ERR_ARG");
  const bad: string[] = [];
  let kind = 0;
  let first = -1;
  for (let r = 0; r < blocks.length; r++) {
    const [len, k] = blocks[r];
    if (len < 0) continue;
    if (len !== counts[r]) bad.push(`rank ${r} passed ${len} elements but counts[${r}] is ${counts[r]}`);
    if (kind === 0) {
      kind = k;
      first = r;
    } else if (k !== kind) bad.push(`rank ${r} passed a ${kindName(k)} but rank ${first} passed a ${kindName(kind)}`);
  }
  if (bad.length > 0) throw c.error(bad.join("; "), "MPI_ERR_COUNT");
}
