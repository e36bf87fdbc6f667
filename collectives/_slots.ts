// Shared by the collectives that run on the backend's shared-memory slots
// (transport/slots.ts): the op code a slot header carries, and what every
// rank does after a round in which the ranks' headers disagree.

import type { Slots } from "../transport/slots.ts";
import { callName } from "../transport/calls.ts";
import type { Coll } from "./_coll.ts";
import { type Bad, Fault, raise, rankList } from "./_fault.ts";
import type { Op } from "../ops.ts";

/** A 31-bit code for `op` that ranks compare in their slot headers (0 for none). */
export function opCode(op: Op | null): number {
  if (op === null) return 0;
  const name = op.name;
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h & 0x7fffffff) | 1;
}

/** True when every rank's header of the round just synced agrees with this rank's (and none is flagged bad). */
export function allAgree(c: Coll, s: Slots): boolean {
  for (let r = 0; r < c.size; r++) if (!s.agrees(c.worldRank(r))) return false;
  return true;
}

/**
 * Every rank calls this after a round whose headers disagree (each sees the
 * same headers, so all call it). Ranks in a collective of another
 * communicator cannot share one error message: each throws, naming them.
 * Otherwise all share what they passed and throw one and the same error
 * (`raise` in _fault.ts).
 */
export function slotsFail(
  c: Coll,
  s: Slots,
  value: unknown,
  op: Op | null,
  bad: Bad | null,
  strict: boolean,
): never {
  const mine = s.header(s.rank).context;
  const elsewhere: number[] = [];
  const calls = new Set<string>();
  for (let r = 0; r < c.size; r++) {
    const h = s.header(c.worldRank(r));
    if (h.context !== mine) {
      elsewhere.push(r);
      calls.add(callName(h.call));
    }
  }
  if (elsewhere.length > 0) {
    throw c.error(
      `${rankList(elsewhere)} called ${[...calls].join(" or ")} on another communicator at the same point: ` +
        `every rank must call the collectives of communicators that share ranks in the same order ` +
        `(mismatched collectives)`,
      "MPI_ERR_OTHER",
    );
  }
  raise(c, new Fault(bad), value, op, strict);
}
