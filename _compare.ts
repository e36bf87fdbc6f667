// `comm.compare(other)` (MPI_Comm_compare): a local comparison of two
// communicators' contexts and members.

import { CONGRUENT, IDENT, SIMILAR, UNEQUAL } from "./constants.ts";

/** What `compare` needs of a communicator. */
export interface Compared {
  readonly transport: object;
  readonly context: number;
  readonly size: number;
  worldRank(r: number): number;
}

/** IDENT, CONGRUENT, SIMILAR or UNEQUAL for communicators `a` and `b` of this rank. */
export function compareComms(a: Compared, b: Compared): number {
  if (a === b || (a.transport === b.transport && a.context === b.context)) return IDENT;
  if (a.size !== b.size) return UNEQUAL;
  const x = Array.from({ length: a.size }, (_, r) => a.worldRank(r));
  const y = Array.from({ length: b.size }, (_, r) => b.worldRank(r));
  if (x.every((w, i) => w === y[i])) return CONGRUENT;
  const order = (p: number, q: number) => p - q;
  x.sort(order);
  y.sort(order);
  return x.every((w, i) => w === y[i]) ? SIMILAR : UNEQUAL;
}
