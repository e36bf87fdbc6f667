/**
 * The one registry of spmd's calls: their codes and names, the tags that
 * collectives use on a communicator's collective context, and how a context
 * id says which communicator it belongs to and whether it carries
 * collective traffic.
 *
 * Call codes are an encoding in shared memory: a rank writes the code of
 * the call it is in into its activity block (`activity.ts`), and the
 * launcher reads it back for failure and deadlock reports (and, later, a
 * trace). Add a call by appending to {@linkcode CALLS}; never reorder.
 *
 * Context ids: communicator number `n` owns the pair `2n` (point-to-point)
 * and `2n + 1` (its collectives), so collective traffic never matches a
 * user's receive, even one with `ANY_TAG`.
 *
 * @module
 */

import { KIND_TYPED_LAST } from "./typed.ts";

/** Every call an activity block can record, by code (index). */
export const CALLS = [
  "user code",
  "send",
  "recv",
  "recvInto",
  "sendrecv",
  "probe",
  "wait",
  "waitAll",
  "waitSend",
  "waitAllSend",
  "barrier",
  "bcast",
  "reduce",
  "allreduce",
  "gather",
  "scatter",
  "allgather",
  "alltoall",
  "gatherv",
  "scatterv",
  "allgatherv",
  "scan",
  "exscan",
  "reduceScatter",
  "split",
  "dup",
  "finalize",
  "allreduceInto",
  "reduceInto",
  "bcastInto",
  "gatherInto",
  "scatterInto",
  "allgatherInto",
  "alltoallInto",
  "scanInto",
  "exscanInto",
  "createCart",
  "sub",
  "splitType",
  "createDistGraphAdjacent",
  "neighborAllgather",
  "neighborAlltoall",
  "alltoallv",
  "reduceScatterBlock",
  "ssend",
  "sendrecvReplace",
  "mprobe",
  "waitAny",
  "waitSome",
  "create",
  "allocateShared",
  "fence",
  "winFree",
  "lock",
] as const;

/** The name of a call in {@linkcode CALLS}. */
export type CallName = typeof CALLS[number];

const CODES: ReadonlyMap<string, number> = new Map(CALLS.map((name, i) => [name, i]));

/** Code of a call, for `enter` (a hash lookup: collectives ask on every call). */
export function callCode(name: CallName): number {
  return CODES.get(name) ?? -1;
}

/** Name of a call code read back from shared memory ("?" for a code no call has). */
export function callName(code: number): string {
  return CALLS[code] ?? "?";
}

// ---- collective tags ---------------------------------------------------------

/** barrier. */
export const T_BARRIER = 1;
/** bcast, small. */
export const T_BCAST = 2;
/** bcast, large: header, then scatter + allgather. */
export const T_BCAST_LARGE = 3;
/** reduce. */
export const T_REDUCE = 4;
/** allreduce. */
export const T_ALLREDUCE = 5;
/** gather. */
export const T_GATHER = 6;
/** scatter. */
export const T_SCATTER = 7;
/** allgather. */
export const T_ALLGATHER = 8;
/** alltoall. */
export const T_ALLTOALL = 9;
/** gatherv. */
export const T_GATHERV = 10;
/** scatterv. */
export const T_SCATTERV = 11;
/** allgatherv. */
export const T_ALLGATHERV = 12;
/** scan and exscan. */
export const T_SCAN = 13;
/** Agreement rounds (block lengths, context ids). */
export const T_AGREE = 14;
/** allreduce of large typed arrays and reduceScatter: the header (shape, op, counts) sent before the data. */
export const T_ALLREDUCE_HEADER = 15;
/** Poison marker: the sender learned that the ranks' inputs disagree; it replaces the data it would send. */
export const T_POISON = 16;
/** scan / exscan: the reason a rank's own result could not be computed, sent instead of that result. */
export const T_SCAN_ERROR = 17;
/** neighborAllgather (a distributed graph's neighbors; 24 and 25 leave room for the collectives before them). */
export const T_NEIGHBOR_ALLGATHER = 24;
/** neighborAlltoall. */
export const T_NEIGHBOR_ALLTOALL = 25;
/** neighborAllgather / neighborAlltoall of a Cartesian communicator: this + 2 · neighbour slot (+ 1 for alltoall). */
export const T_NEIGHBOR_CART = 64;
/** alltoallv. */
export const T_ALLTOALLV = 18;
/** allreduce of a typed array with a built-in op: the tag is this plus the array's kind code (1..13). */
export const T_ALLREDUCE_TYPED = 32;
/** Nonblocking collectives (_nbc.ts): this and up, two tags per call. */
export const T_NBC = 1 << 20;

const TAG_NAMES: readonly string[] = [
  "?",
  "barrier",
  "bcast",
  "bcast",
  "reduce",
  "allreduce",
  "gather",
  "scatter",
  "allgather",
  "alltoall",
  "gatherv",
  "scatterv",
  "allgatherv",
  "scan",
  "agreement",
  "allreduce header",
  "poison marker",
  "scan error",
  "alltoallv",
];

/** Which collective a tag on a collective context belongs to, for reports. */
export function collectiveTagName(tag: number): string {
  if (tag >= T_NBC) return "nonblocking collective";
  if (tag > T_ALLREDUCE_TYPED && tag <= T_ALLREDUCE_TYPED + KIND_TYPED_LAST) return "allreduce";
  if (tag === T_NEIGHBOR_ALLGATHER) return "neighborAllgather";
  if (tag === T_NEIGHBOR_ALLTOALL) return "neighborAlltoall";
  if (tag >= T_NEIGHBOR_CART) return (tag & 1) === 0 ? "neighborAllgather" : "neighborAlltoall";
  return TAG_NAMES[tag] ?? `tag ${tag}`;
}

/** True for a tag that a reduction built on allreduce's exchange pattern may receive. */
export function isAllreduceTag(tag: number): boolean {
  return tag === T_ALLREDUCE || tag === T_ALLREDUCE_HEADER || tag === T_POISON ||
    (tag > T_ALLREDUCE_TYPED && tag <= T_ALLREDUCE_TYPED + KIND_TYPED_LAST);
}

// ---- contexts ---------------------------------------------------------------

/** The context of a communicator's collective traffic, from its point-to-point context. */
export function collectiveContext(context: number): number {
  return context + 1;
}

/** True when `context` carries collective traffic (odd and not negative: "no context" is −1). */
export function isCollectiveContext(context: number): boolean {
  return context >= 0 && (context & 1) === 1;
}

/** The communicator number of a context (0 for the world), as reports show it. */
export function commId(context: number): number {
  return context >> 1;
}
