// Before a vector collective moves data, every rank learns every rank's
// block length and element type, its counts, and any error in its own
// arguments (one small allgather), so that counts that do not add up or
// differ between ranks fail on every rank with the same message instead of
// leaving some ranks waiting or giving them the wrong blocks.

import { describe } from "../errors.ts";
import { detachedWhy, kindName } from "../transport/codec.ts";
import { typedKind } from "../transport/typed.ts";
import type { Coll } from "./_coll.ts";
import { countsDisagreement, rankList } from "./_fault.ts";
import { allgather } from "./allgather/select.ts";

/** One rank's block: [length (−1 where a rank has none), kind, counts, argument error or null]. */
export type Block = [number, number, readonly number[], string | null];

/** Why `a` cannot be a vector collective's block (it is not a typed array), or null. */
export function typedMisfit(a: unknown): string | null {
  if (!ArrayBuffer.isView(a) || a instanceof DataView) return `array must be a typed array, got ${describe(a)}`;
  return detachedWhy(a);
}

/** Why `counts` cannot be the counts of a communicator of `size` ranks, or null. */
export function countsMisfit(counts: unknown, size: number): string | null {
  if (!Array.isArray(counts) || counts.length !== size) {
    return `counts must be an array of ${size} counts (one per rank), got ${describe(counts)}`;
  }
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i];
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
      return `counts[${i}] must be a non-negative integer, got ${describe(n)}`;
    }
  }
  return null;
}

/**
 * Every rank's block, counts and argument error. Throws on every rank if
 * some rank's arguments are wrong (`bad`, or its counts) or the counts
 * differ between ranks.
 */
export function agreeBlocks(
  c: Coll,
  array: ArrayBufferView | null,
  counts: readonly number[],
  bad: string | null,
): Block[] {
  const own = bad ?? countsMisfit(counts, c.size);
  const p = c.size;
  // Fast round, binary: [length, kind, error?, counts...] per rank. Every
  // rank sees the same table, so all of them take the slow round below
  // together, and only when something is wrong.
  const fast = new Float64Array(3 + p);
  fast[0] = array === null || own !== null ? -1 : (array as Float64Array).length;
  fast[1] = array === null || own !== null ? 0 : typedKind(array);
  fast[2] = own === null ? 0 : 1;
  if (own === null) { for (let i = 0; i < p; i++) fast[3 + i] = counts[i]; }
  const table = allgather(c, fast) as Float64Array[];
  let clean = true;
  for (let r = 0; r < p && clean; r++) {
    const t = table[r];
    if (t[2] !== 0) clean = false;
    else for (let i = 0; i < p; i++) if (t[3 + i] !== table[0][3 + i]) clean = false;
  }
  if (clean) return table.map((t) => [t[0], t[1], counts, null] as Block);
  // Slow round, only on failure: what each rank passed, for one message on every rank.
  const mine: Block = [fast[0], fast[1], own === null ? counts : [], own];
  const blocks = allgather(c, mine) as Block[];
  const first = blocks.find((b) => b[3] !== null);
  if (first !== undefined) {
    const ranks = blocks.flatMap((b, r) => (b[3] === first[3] ? [r] : []));
    const code = first[3]!.startsWith("counts") ? "MPI_ERR_COUNT" : "MPI_ERR_BUFFER";
    throw c.error(ranks.length === blocks.length ? first[3]! : `${first[3]} (${rankList(ranks)})`, code);
  }
  const differ = countsDisagreement(blocks.map((b) => b[2]));
  if (differ !== null) throw c.error(differ, "MPI_ERR_COUNT");
  return blocks;
}

/** Throws on every rank if some rank's block differs from `counts` or the types differ. */
export function checkBlocks(c: Coll, blocks: Block[], counts: readonly number[]): void {
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
