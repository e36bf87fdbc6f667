// Process topologies (`computeDims` is in `_dims.ts`): the arithmetic of a
// Cartesian grid (coordinates, ranks, shifts), making Cartesian, shared-
// memory and distributed-graph communicators, and the neighbor
// collectives. The communicator classes (`topology.ts`) extend `Comm`, and
// `Comm`'s methods make them: to keep the import graph acyclic, `comm.ts`
// calls the functions here and `topology.ts` registers its constructors
// ({@linkcode registerTopologies}) when it is loaded (`mod.ts` loads it).

import { PROC_NULL } from "./constants.ts";
import { describe, SpmdError } from "./errors.ts";
import type { CommInit } from "./_comm_p2p.ts";
import { isCount } from "./_dims.ts";
import { T_NEIGHBOR_ALLGATHER, T_NEIGHBOR_ALLTOALL, T_NEIGHBOR_CART } from "./transport/calls.ts";
import type { PendingOp } from "./transport/transport.ts";
import { allgather } from "./collectives/allgather/select.ts";
import { type Parent, run, splitComm, UNDEFINED } from "./_split.ts";

/**
 * Pass to `comm.splitType` for the ranks that share memory (MPI_COMM_TYPE_SHARED).
 *
 * @example
 * ```ts
 * import { COMM_TYPE_SHARED, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * const node = comm.splitType(COMM_TYPE_SHARED)!;
 * equal(node.size, comm.size); // spmd's ranks all share one machine's memory
 * node.free();
 * ```
 */
export const COMM_TYPE_SHARED: number = 1;

/**
 * A Cartesian grid over a communicator's ranks (what `CartComm` adds to `Comm`).
 *
 * @example
 * ```ts
 * import { type Cartesian, world } from "@spmd/spmd";
 * import { deepEqual } from "node:assert/strict";
 *
 * const comm = world();
 * const grid: Cartesian<unknown> = comm.createCart([comm.size])!;
 * deepEqual(grid.dims, [comm.size]);
 * ```
 */
export interface Cartesian<C> {
  /** Number of ranks along each dimension. */
  readonly dims: readonly number[];
  /** Whether each dimension wraps around. */
  readonly periods: readonly boolean[];
  /** Number of dimensions. */
  readonly ndim: number;
  /** Coordinates of `rank` in the grid. */
  coords(rank?: number): number[];
  /** Rank at `coords`. */
  rankOf(coords: readonly number[]): number;
  /** `[source, dest]` of a shift by `disp` along dimension `direction`. */
  shift(direction: number, disp?: number): [number, number];
  /** The sub-grid keeping the dimensions where `remainDims` is true. */
  sub(remainDims: readonly boolean[]): C;
  /** Sends `value` to the 2·ndim neighbours; returns theirs (null past an edge). */
  neighborAllgather<T = unknown>(value: T): (T | null)[];
  /** Sends `values[i]` to neighbour i; returns what each neighbour sent here (null past an edge). */
  neighborAlltoall<T = unknown>(values: readonly T[]): (T | null)[];
}

/**
 * A distributed graph over a communicator's ranks (what `DistGraphComm` adds to `Comm`).
 *
 * @example
 * ```ts
 * import { type DistGraph, world } from "@spmd/spmd";
 * import { deepEqual } from "node:assert/strict";
 *
 * const comm = world();
 * const graph: DistGraph = comm.createDistGraphAdjacent([comm.rank], [comm.rank]);
 * deepEqual(graph.neighborAllgather("me"), ["me"]);
 * ```
 */
export interface DistGraph {
  /** Ranks this rank receives from, in order. */
  readonly sources: readonly number[];
  /** Ranks this rank sends to, in order. */
  readonly destinations: readonly number[];
  /** Sends `value` to every destination; returns what each source sent, in `sources` order. */
  neighborAllgather<T = unknown>(value: T): T[];
  /** Sends `values[i]` to `destinations[i]`; returns what each source sent here, in `sources` order. */
  neighborAlltoall<T = unknown>(values: readonly T[]): T[];
}

/** The constructors of the topology communicators, set by `topology.ts`. */
interface Makers {
  cart: (init: CommInit, dims: readonly number[], periods: readonly boolean[]) => unknown;
  graph: (init: CommInit, sources: readonly number[], destinations: readonly number[]) => unknown;
}

let makers: Makers | null = null;

/** @ignore Called once by `topology.ts` with its classes' constructors. */
export function registerTopologies(m: Makers): void {
  makers = m;
}

function need(call: string): Makers {
  if (makers === null) {
    throw new SpmdError(`${call}: the topology classes are not loaded (import spmd from mod.ts)`);
  }
  return makers;
}

// ---- Cartesian grids ----------------------------------------------------------

/** What the grid arithmetic needs of a Cartesian communicator. */
interface Grid {
  readonly rank: number;
  readonly size: number;
  readonly dims: readonly number[];
  readonly periods: readonly boolean[];
}

function checkDims(call: string, dims: unknown, size: number): number[] {
  if (!Array.isArray(dims) || !dims.every((d) => isCount(d, 1))) {
    throw new SpmdError(`${call}: dims must be an array of positive integers, got ${describe(dims)}`, "MPI_ERR_DIMS");
  }
  const n = dims.reduce((a, d) => a * d, 1);
  if (n > size) {
    throw new SpmdError(
      `${call}: dims ${JSON.stringify(dims)} make a grid of ${n} ranks, more than the communicator's ${size}`,
      "MPI_ERR_DIMS",
    );
  }
  return [...dims];
}

function checkFlags(call: string, what: string, flags: unknown, n: number, dflt: boolean): boolean[] {
  if (flags === undefined || flags === null) return new Array(n).fill(dflt);
  if (typeof flags === "boolean") return new Array(n).fill(flags);
  if (!Array.isArray(flags) || flags.length !== n || !flags.every((f) => typeof f === "boolean")) {
    throw new SpmdError(
      `${call}: ${what} must be a boolean or an array of ${n} booleans (one per dimension), got ${describe(flags)}`,
      "MPI_ERR_ARG",
    );
  }
  return [...flags];
}

function checkGridRank(call: string, g: Grid, rank: unknown): number {
  if (!isCount(rank, 0) || rank >= g.size) {
    throw new SpmdError(`${call}: rank must be an integer in 0..${g.size - 1}, got ${describe(rank)}`, "MPI_ERR_RANK");
  }
  return rank;
}

/** `cart.coords(rank)`: row-major, the last dimension varies fastest (as MPI). */
export function coordsOf(g: Grid, rank: unknown): number[] {
  let r = checkGridRank("coords", g, rank);
  const out = new Array<number>(g.dims.length);
  for (let i = g.dims.length - 1; i >= 0; i--) {
    out[i] = r % g.dims[i];
    r = Math.floor(r / g.dims[i]);
  }
  return out;
}

/** Rank at `coords`, wrapping periodic dimensions; −1 when off a non-periodic edge. */
function rankAt(g: Grid, coords: readonly number[]): number {
  let r = 0;
  for (let i = 0; i < g.dims.length; i++) {
    const n = g.dims[i];
    let c = coords[i];
    if (c < 0 || c >= n) {
      if (!g.periods[i]) return -1;
      c = ((c % n) + n) % n;
    }
    r = r * n + c;
  }
  return r;
}

/** `cart.rankOf(coords)`. */
export function rankOf(g: Grid, coords: unknown): number {
  const n = g.dims.length;
  if (!Array.isArray(coords) || coords.length !== n || !coords.every((c) => Number.isSafeInteger(c))) {
    throw new SpmdError(`rankOf: coords must be an array of ${n} integers, got ${describe(coords)}`, "MPI_ERR_ARG");
  }
  const r = rankAt(g, coords);
  if (r < 0) {
    const i = coords.findIndex((c, d) => !g.periods[d] && (c < 0 || c >= g.dims[d]));
    throw new SpmdError(
      `rankOf: coordinate ${coords[i]} of dimension ${i} is outside 0..${g.dims[i] - 1} ` +
        `and the dimension is not periodic (coords ${JSON.stringify(coords)})`,
      "MPI_ERR_ARG",
    );
  }
  return r;
}

/** `cart.shift(direction, disp)`: `[source, dest]`, PROC_NULL off a non-periodic edge. */
export function shift(g: Grid, direction: unknown, disp: unknown): [number, number] {
  if (!isCount(direction, 0) || direction >= g.dims.length) {
    throw new SpmdError(
      `shift: direction must be a dimension in 0..${g.dims.length - 1}, got ${describe(direction)}`,
      "MPI_ERR_DIMS",
    );
  }
  if (typeof disp !== "number" || !Number.isSafeInteger(disp)) {
    throw new SpmdError(`shift: disp must be an integer, got ${describe(disp)}`, "MPI_ERR_ARG");
  }
  const c = coordsOf(g, g.rank);
  const at = c[direction];
  c[direction] = at - disp;
  const source = rankAt(g, c);
  c[direction] = at + disp;
  const dest = rankAt(g, c);
  return [source < 0 ? PROC_NULL : source, dest < 0 ? PROC_NULL : dest];
}

/**
 * `cart.neighborAllgather(value)` / `cart.neighborAlltoall(values)`: the
 * neighbours in MPI's order, two per dimension (the −1 side, then the +1
 * side), null past a non-periodic edge. Each message's tag says which side
 * it was sent to, so that when both neighbours are the same rank (a
 * periodic dimension of 1 or 2) each lands in its own slot.
 */
export function cartNeighborExchange(
  p: Parent & Grid,
  call: "neighborAllgather" | "neighborAlltoall",
  values: unknown,
): unknown[] {
  const n = 2 * p.dims.length;
  const all = call === "neighborAlltoall";
  if (all && (!Array.isArray(values) || values.length !== n)) {
    throw new SpmdError(
      `neighborAlltoall: values must be an array of ${n} values (two per dimension), got ${describe(values)}`,
      "MPI_ERR_ARG",
    );
  }
  const nb: number[] = [];
  for (let d = 0; d < p.dims.length; d++) nb.push(...shift(p, d, 1));
  const tag = (slot: number): number => T_NEIGHBOR_CART + 2 * slot + (all ? 1 : 0);
  return run(p, call, (c) => {
    const sends: PendingOp[] = [];
    for (let i = 0; i < n; i++) {
      if (nb[i] !== PROC_NULL) sends.push(c.isend(all ? (values as unknown[])[i] : values, nb[i], tag(i)));
    }
    // The −1 neighbour (slot 2d) sent this rank what it sent to its +1 side (slot 2d + 1), and back.
    const out = nb.map((r, i) => (r === PROC_NULL ? null : c.recv(r, tag(i ^ 1))));
    for (const op of sends) c.wait(op);
    return out;
  });
}

/** `comm.createCart(dims, periods, reorder)`: the first prod(dims) ranks in order; the others get null. */
export function createCart(p: Parent, dims: unknown, periods: unknown, reorder: unknown): unknown {
  const d = checkDims("createCart", dims, p.size);
  const per = checkFlags("createCart", "periods", periods, d.length, false);
  if (typeof reorder !== "boolean") {
    throw new SpmdError(`createCart: reorder must be a boolean, got ${describe(reorder)}`, "MPI_ERR_ARG");
  }
  const m = need("createCart");
  const n = d.reduce((a, x) => a * x, 1);
  const color = p.rank < n ? 0 : UNDEFINED;
  return splitComm(p, (init) => m.cart(init, d, per), color, p.rank, "createCart");
}

/** `cart.sub(remainDims)`: the ranks that share this rank's coordinates in the dropped dimensions. */
export function subCart(p: Parent & Grid, remainDims: unknown): unknown {
  const keep = checkFlags("sub", "remainDims", remainDims, p.dims.length, false);
  if (remainDims === undefined || remainDims === null) {
    throw new SpmdError(`sub: remainDims must be an array of ${p.dims.length} booleans, got ${describe(remainDims)}`);
  }
  const m = need("sub");
  const c = coordsOf(p, p.rank);
  let color = 0;
  for (let i = 0; i < c.length; i++) if (!keep[i]) color = color * p.dims[i] + c[i];
  const dims = p.dims.filter((_, i) => keep[i]);
  const periods = p.periods.filter((_, i) => keep[i]);
  return splitComm(p, (init) => m.cart(init, dims, periods), color, p.rank, "sub");
}

/**
 * `comm.splitType(COMM_TYPE_SHARED)`. On shared memory every rank shares
 * memory with every other: a new communicator of the same ranks. On the MPI
 * backend the ranks are grouped by host name (what MPI_Comm_split_type
 * gives for shared memory with the usual one-process-per-core launch).
 */
export function splitType<C>(p: Parent, make: (init: CommInit) => C, type: unknown, key: unknown): C | null {
  if (type !== COMM_TYPE_SHARED && type !== UNDEFINED) {
    throw new SpmdError(
      `splitType: type must be COMM_TYPE_SHARED (${COMM_TYPE_SHARED}) or UNDEFINED, got ${describe(type)}`,
      "MPI_ERR_ARG",
    );
  }
  if (typeof key !== "number" || !Number.isSafeInteger(key)) {
    throw new SpmdError(`splitType: key must be an integer, got ${describe(key)}`, "MPI_ERR_ARG");
  }
  if (p.transport.derive === undefined) return splitComm(p, make, type === UNDEFINED ? UNDEFINED : 0, key, "splitType");
  let host = "";
  try {
    host = Deno.hostname();
  } catch (e) {
    throw new SpmdError(`splitType: cannot read the host name to group ranks by (${(e as Error).message})`);
  }
  const hosts = run(p, "splitType", (c) => allgather(c, host)) as string[];
  return splitComm(p, make, type === UNDEFINED ? UNDEFINED : hosts.indexOf(host), key, "splitType");
}

// ---- distributed graphs -------------------------------------------------------

function checkNeighbors(call: string, what: string, list: unknown, size: number): number[] {
  if (!Array.isArray(list) || !list.every((r) => isCount(r, 0) && r < size)) {
    throw new SpmdError(
      `${call}: ${what} must be an array of ranks in 0..${size - 1}, got ${describe(list)}`,
      "MPI_ERR_RANK",
    );
  }
  return [...list];
}

/**
 * `comm.createDistGraphAdjacent(sources, destinations)`: every rank names
 * the ranks it receives from and sends to; the lists are checked against
 * each other on every rank (rank a lists b as a destination as often as b
 * lists a as a source), so that a mistake is the same error everywhere.
 */
export function createDistGraphAdjacent(p: Parent, sources: unknown, destinations: unknown): unknown {
  const call = "createDistGraphAdjacent";
  const src = checkNeighbors(call, "sources", sources, p.size);
  const dst = checkNeighbors(call, "destinations", destinations, p.size);
  const m = need(call);
  const all = run(p, call, (c) => allgather(c, [src, dst])) as [number[], number[]][];
  const edges = new Map<string, number>();
  all.forEach(([, d], a) => d.forEach((b) => edges.set(`${a}>${b}`, (edges.get(`${a}>${b}`) ?? 0) + 1)));
  all.forEach(([s], b) => s.forEach((a) => edges.set(`${a}>${b}`, (edges.get(`${a}>${b}`) ?? 0) - 1)));
  for (const [edge, n] of edges) {
    if (n === 0) continue;
    const [a, b] = edge.split(">");
    throw new SpmdError(
      `${call}: rank ${a} lists ${b} among its destinations ${n > 0 ? "more" : "less"} often than rank ${b} ` +
        `lists ${a} among its sources (${Math.abs(n)} edge${Math.abs(n) === 1 ? "" : "s"} ${b}←${a} unmatched)`,
      "MPI_ERR_ARG",
    );
  }
  return splitComm(p, (init) => m.graph(init, src, dst), 0, p.rank, call);
}

/** `graph.neighborAllgather(value)` and `graph.neighborAlltoall(values)` over the graph's collective context. */
export function neighborExchange(
  p: Parent & DistGraph,
  call: "neighborAllgather" | "neighborAlltoall",
  values: unknown,
): unknown[] {
  const dst = p.destinations;
  const all = call === "neighborAlltoall";
  if (all && (!Array.isArray(values) || values.length !== dst.length)) {
    throw new SpmdError(
      `neighborAlltoall: values must be an array of ${dst.length} values (one per destination), got ${
        describe(values)
      }`,
      "MPI_ERR_ARG",
    );
  }
  const tag = all ? T_NEIGHBOR_ALLTOALL : T_NEIGHBOR_ALLGATHER;
  return run(p, call, (c) => {
    const sends: PendingOp[] = [];
    for (let i = 0; i < dst.length; i++) sends.push(c.isend(all ? (values as unknown[])[i] : values, dst[i], tag));
    const out = p.sources.map((s) => c.recv(s, tag));
    for (const op of sends) c.wait(op);
    return out;
  });
}
