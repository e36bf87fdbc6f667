// `split` and `dup`: agreeing on a fresh context id, ordering the new
// communicator's members, and letting the backend make its own communicator
// (Transport.derive: MPI_Comm_split / MPI_Comm_dup on the MPI backend).

import { nameCall, SpmdError } from "./errors.ts";
import type { Transport } from "./transport/transport.ts";
import { callCode, type CallName, collectiveContext } from "./transport/calls.ts";
import type { Coll } from "./collectives/_coll.ts";
import { allgather } from "./collectives/allgather/select.ts";
import { allreduce } from "./collectives/allreduce/select.ts";
import { MAX } from "./ops.ts";

/**
 * Color for `split` that leaves a rank out: it gets `null` (MPI_UNDEFINED).
 *
 * @example
 * ```ts
 * import { UNDEFINED, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * const evens = comm.split(comm.rank % 2 === 0 ? 0 : UNDEFINED);
 * equal(evens === null, comm.rank % 2 === 1);
 * evens?.free();
 * ```
 */
export const UNDEFINED: number = -32766;

/** Next free context id of each rank (shared by all its communicators). */
const nextContext = new WeakMap<Transport, number>();

/** What split and dup need of the communicator they start from. */
export interface Parent {
  readonly transport: Transport;
  readonly context: number;
  readonly rank: number;
  readonly size: number;
  /** World ranks of the members, or null for the world itself. */
  readonly members: readonly number[] | null;
  worldRank(r: number): number;
  collFor(call: string): Coll;
}

/** Makes a communicator (the Comm constructor, passed in to keep this file below comm.ts). */
export type MakeComm<C> = (init: { transport: Transport; context: number; members?: readonly number[] }) => C;

/** Runs collective step `call` on `p`: recorded in the activity block (and trace), its errors named for `call`. */
export function run<R>(p: Parent, call: CallName, body: (c: Coll) => R): R {
  const t = p.transport;
  t.enter(callCode(call), -1, -1, collectiveContext(p.context));
  try {
    return body(p.collFor(call));
  } catch (e) {
    throw nameCall(call, e);
  } finally {
    t.leave();
  }
}

/** Agrees with every member on a fresh context id (an allreduce of MAX over the parent). */
function newContext(p: Parent, call: CallName): number {
  const mine = nextContext.get(p.transport) ?? 2;
  const ctx = run(p, call, (c) => allreduce(c, mine, MAX)) as number;
  nextContext.set(p.transport, ctx + 2);
  return ctx;
}

/** Communicator `ctx` of `members` (undefined: the world's ranks; null: none here), once the backend made its own. */
function derive<C>(
  p: Parent,
  make: MakeComm<C>,
  call: CallName,
  ctx: number,
  color: number | null,
  key: number,
  members: readonly number[] | null | undefined,
): C | null {
  const t = p.transport;
  if (t.derive !== undefined) {
    const all = members === undefined ? Array.from({ length: p.size }, (_, r) => r) : members;
    run(p, call, () => t.derive!(p.context, ctx, color, key, all === null ? null : [...all]));
  }
  return members === null ? null : make({ transport: t, context: ctx, members: members && [...members] });
}

/** `comm.split(color, key)` (arguments already checked); `call` names it in records and errors (createCart, ...). */
export function splitComm<C>(
  p: Parent,
  make: MakeComm<C>,
  color: number,
  key: number,
  call: CallName = "split",
): C | null {
  const ctx = newContext(p, call);
  const all = run(p, call, (c) => allgather(c, [color, key])) as [number, number][];
  const members = all.map((_, r) => r).filter((r) => all[r][0] === color)
    .sort((a, b) => all[a][1] - all[b][1] || a - b).map((r) => p.worldRank(r));
  return derive(p, make, call, ctx, color, key, color === UNDEFINED ? null : members);
}

/** `comm.dup()`. */
export function dupComm<C>(p: Parent, make: MakeComm<C>): C {
  return derive(p, make, "dup", newContext(p, "dup"), null, p.rank, p.members ?? undefined)!;
}

/**
 * `comm.create(group)`: a communicator of the group's processes in group
 * order (null elsewhere). Every rank must pass the same group, of ranks of
 * this communicator; otherwise every rank throws the same error.
 */
export function createComm<C>(p: Parent, make: MakeComm<C>, group: readonly number[], me: number): C | null {
  const mine = group.join(",");
  const all = run(p, "create", (c) => allgather(c, mine)) as string[];
  const other = all.findIndex((g) => g !== all[0]);
  if (other >= 0) {
    throw new SpmdError(
      `create: every rank must pass the same group; rank 0 passed world ranks [${all[0]}], rank ${other} [${
        all[other]
      }]`,
      "MPI_ERR_GROUP",
    );
  }
  const members = new Set(Array.from({ length: p.size }, (_, r) => p.worldRank(r)));
  const outside = group.find((w) => !members.has(w));
  if (outside !== undefined) {
    throw new SpmdError(
      `create: the group has world rank ${outside}, which is not in this communicator`,
      "MPI_ERR_GROUP",
    );
  }
  const at = group.indexOf(me);
  return splitComm(p, make, at < 0 ? UNDEFINED : 0, at < 0 ? 0 : at, "create");
}
