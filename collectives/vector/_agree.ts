// Before a vector collective moves data, every rank learns every rank's
// block length and element type (one small allgather), so that counts that
// do not add up fail on every rank with the same message instead of
// leaving some ranks waiting.

import { kindName, typedKind } from "../../transport/codec.ts";
import type { Coll } from "../_coll.ts";
import { allgather } from "../allgather/mod.ts";

/** [length, kind] of every rank's block (length −1 where a rank has none). */
export function agreeBlocks(c: Coll, array: ArrayBufferView | null): [number, number][] {
  const mine: [number, number] = array === null ? [-1, 0] : [(array as Float64Array).length, typedKind(array)];
  return allgather(c, mine) as [number, number][];
}

/** Throws on every rank if some rank's block differs from `counts` or the types differ. */
export function checkBlocks(c: Coll, blocks: [number, number][], counts: readonly number[]): void {
  const bad: string[] = [];
  let kind = 0;
  for (let r = 0; r < blocks.length; r++) {
    const [len, k] = blocks[r];
    if (len < 0) continue;
    if (len !== counts[r]) bad.push(`rank ${r} passed ${len} elements but counts[${r}] is ${counts[r]}`);
    if (kind === 0) kind = k;
    else if (k !== kind) bad.push(`rank ${r} passed a ${kindName(k)}, rank 0.. passed ${kindName(kind)}`);
  }
  if (bad.length > 0) throw c.error(bad.join("; "), "MPI_ERR_COUNT");
}
