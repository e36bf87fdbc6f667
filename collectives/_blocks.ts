// Splitting n items into p blocks.

/** numpy.array_split counts: the first n % p blocks get one more. */
export function splitCounts(n: number, p: number): number[] {
  const base = Math.floor(n / p);
  const extra = n % p;
  const out = new Array<number>(p);
  for (let i = 0; i < p; i++) out[i] = base + (i < extra ? 1 : 0);
  return out;
}

/** Offsets (p + 1 of them) of p nearly equal blocks of `n` units, each a multiple of `align` except the last. */
export function blockOffsets(n: number, p: number, align = 1): number[] {
  const units = Math.ceil(n / align);
  const counts = splitCounts(units, p);
  const off = new Array<number>(p + 1);
  off[0] = 0;
  for (let i = 0; i < p; i++) off[i + 1] = Math.min(n, off[i] + counts[i] * align);
  return off;
}

/** Prefix offsets of `counts` (length counts.length + 1). */
export function offsetsOf(counts: readonly number[]): number[] {
  const off = new Array<number>(counts.length + 1);
  off[0] = 0;
  for (let i = 0; i < counts.length; i++) off[i + 1] = off[i] + counts[i];
  return off;
}
