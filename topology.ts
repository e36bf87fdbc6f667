/**
 * Process topologies: {@linkcode CartComm} (a Cartesian grid of ranks, from
 * `comm.createCart`), {@linkcode DistGraphComm} (a distributed graph, from
 * `comm.createDistGraphAdjacent`) and {@linkcode computeDims}. The logic is
 * in `_topology.ts`.
 *
 * @module
 */

import { Comm, type CommInit } from "./comm.ts";
import * as topo from "./_topology.ts";
import { dupComm } from "./_split.ts";

export { COMM_TYPE_SHARED } from "./_topology.ts";
export { computeDims } from "./_dims.ts";
export type { Cartesian, DistGraph } from "./_topology.ts";

/**
 * A communicator whose ranks form a Cartesian grid (MPI's Cartcomm), made
 * by `comm.createCart`. Ranks are laid out in row-major order: the last
 * dimension varies fastest.
 *
 * @example
 * ```ts
 * import { computeDims, PROC_NULL, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * const cart = comm.createCart(computeDims(comm.size, 2), [false, true])!;
 * const [up] = cart.shift(0); // PROC_NULL on the first row
 * const [left, right] = cart.shift(1); // the columns wrap around
 * equal(up === PROC_NULL, cart.coords()[0] === 0);
 * equal(cart.rankOf([cart.coords()[0], cart.coords()[1] + 1]), right);
 * equal(cart.rankOf([cart.coords()[0], cart.coords()[1] - 1]), left);
 * ```
 */
export class CartComm extends Comm implements topo.Cartesian<CartComm> {
  /** Number of ranks along each dimension. */
  readonly dims: readonly number[];
  /** Whether each dimension wraps around (is periodic). */
  readonly periods: readonly boolean[];

  /** @ignore Made by `createCart` and `sub`. */
  constructor(init: CommInit, dims: readonly number[], periods: readonly boolean[]) {
    super(init);
    this.dims = Object.freeze([...dims]);
    this.periods = Object.freeze([...periods]);
  }

  /**
   * Number of dimensions.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * equal(comm.createCart([comm.size, 1, 1])!.ndim, 3);
   * ```
   */
  get ndim(): number {
    return this.dims.length;
  }

  /**
   * Coordinates of `rank` in the grid (MPI_Cart_coords).
   *
   * @param rank A rank of the grid (default this rank).
   * @returns Its coordinates, one per dimension.
   * @throws {SpmdError} `MPI_ERR_RANK` if `rank` is not a rank of the grid.
   *
   * @example
   * ```ts
   * import { computeDims, world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const cart = comm.createCart(computeDims(comm.size, 2), true)!; // a periodic 2-D grid
   * const [rows, cols] = cart.dims;
   * deepEqual(cart.coords(), [Math.floor(comm.rank / cols), comm.rank % cols]);
   * deepEqual(cart.coords(comm.size - 1), [rows - 1, cols - 1]);
   * ```
   */
  coords(rank: number = this.rank): number[] {
    return topo.coordsOf(this, rank);
  }

  /**
   * Rank at `coords` (MPI_Cart_rank); coordinates of periodic dimensions
   * wrap around, out of range on another dimension is an error.
   *
   * @param coords One coordinate per dimension.
   * @returns The rank at those coordinates.
   * @throws {SpmdError} `MPI_ERR_ARG` if `coords` is not an array of `ndim` integers or is out of range on a non-periodic dimension.
   *
   * @example
   * ```ts
   * import { computeDims, world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const cart = comm.createCart(computeDims(comm.size, 2), true)!; // a periodic 2-D grid
   * equal(cart.rankOf(cart.coords()), comm.rank);
   * equal(cart.rankOf([0, 0]), 0);
   * ```
   */
  rankOf(coords: readonly number[]): number {
    return topo.rankOf(this, coords);
  }

  /**
   * The ranks `disp` steps before and after this one along dimension
   * `direction`, as `[source, dest]` (MPI_Cart_shift): receive from
   * `source`, send to `dest`. Off the edge of a non-periodic dimension
   * they are `PROC_NULL`, so a `sendrecv` there does nothing.
   *
   * @param direction The dimension, 0..ndim − 1.
   * @param disp The number of steps (default 1; negative goes back).
   * @returns `[source, dest]`.
   * @throws {SpmdError} `MPI_ERR_DIMS` if `direction` is not a dimension; `MPI_ERR_ARG` if `disp` is not an integer.
   *
   * @example
   * ```ts
   * import { PROC_NULL, world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const line = comm.createCart([comm.size], false)!;
   * const [source, dest] = line.shift(0);
   * equal(source, comm.rank === 0 ? PROC_NULL : comm.rank - 1);
   * equal(dest, comm.rank === comm.size - 1 ? PROC_NULL : comm.rank + 1);
   * ```
   */
  shift(direction: number, disp = 1): [number, number] {
    return topo.shift(this, direction, disp);
  }

  /**
   * The sub-grid of the ranks that share this rank's coordinates in the
   * dimensions where `remainDims` is false (MPI_Cart_sub): e.g. `[false,
   * true]` on a 2-D grid gives this rank's row. Every rank must call it.
   *
   * @param remainDims For each dimension, whether the sub-grid keeps it.
   * @returns This rank's sub-grid.
   * @throws {SpmdError} `MPI_ERR_ARG` if `remainDims` is not one boolean per dimension.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { computeDims, world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const cart = comm.createCart(computeDims(comm.size, 2), true)!; // a periodic 2-D grid
   * const row = cart.sub([false, true]);
   * equal(row.size, cart.dims[1]);
   * equal(row.allreduce(1), row.size);
   * ```
   */
  sub(remainDims: readonly boolean[]): CartComm {
    return topo.subCart(this, remainDims) as CartComm;
  }

  /**
   * Sends `value` to the 2·ndim neighbours and returns what each sent, in
   * MPI's order: for each dimension the −1 neighbour, then the +1 neighbour
   * (those of `shift(d)`); `null` past a non-periodic edge
   * (MPI_Neighbor_allgather). Every rank must call it.
   *
   * @param value What to send to every neighbour.
   * @returns What each neighbour sent, `null` past an edge.
   * @throws {SpmdError} `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const ring = comm.createCart([comm.size], true)!;
   * const [left, right] = ring.shift(0);
   * deepEqual(ring.neighborAllgather(comm.rank), [left, right]);
   * ```
   */
  neighborAllgather<T = unknown>(value: T): (T | null)[] {
    return topo.cartNeighborExchange(this, "neighborAllgather", value) as (T | null)[];
  }

  /**
   * Sends `values[i]` to neighbour i (the order of `neighborAllgather`) and
   * returns what each neighbour sent to this rank; `null` past a
   * non-periodic edge, where `values[i]` is not sent (MPI_Neighbor_alltoall).
   *
   * @param values One value per neighbour, 2·ndim in all.
   * @returns What each neighbour sent to this rank, `null` past an edge.
   * @throws {SpmdError} `MPI_ERR_COUNT` if `values` is not one value per neighbour; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const line = comm.createCart([comm.size], false)!;
   * const got = line.neighborAlltoall(["to left", "to right"]);
   * deepEqual(got, [comm.rank === 0 ? null : "to right", comm.rank === comm.size - 1 ? null : "to left"]);
   * ```
   */
  neighborAlltoall<T = unknown>(values: readonly T[]): (T | null)[] {
    return topo.cartNeighborExchange(this, "neighborAlltoall", values) as (T | null)[];
  }

  /**
   * A new communicator of the same grid, with its own message context (MPI_Comm_dup keeps the topology).
   *
   * @returns The new grid communicator (collective).
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { computeDims, world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const cart = comm.createCart(computeDims(comm.size, 2), true)!; // a periodic 2-D grid
   * const copy = cart.dup();
   * deepEqual(copy.dims, cart.dims);
   * copy.free();
   * ```
   */
  override dup(): CartComm {
    return dupComm(this, (init) => new CartComm(init, this.dims, this.periods));
  }
}

/**
 * A communicator with a distributed graph of ranks (MPI's
 * Distgraphcomm), made by `comm.createDistGraphAdjacent`: each rank knows
 * the ranks it receives from and sends to, and exchanges with them in one
 * call.
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * import { deepEqual } from "node:assert/strict";
 *
 * const comm = world();
 * const left = (comm.rank - 1 + comm.size) % comm.size;
 * const right = (comm.rank + 1) % comm.size;
 * const ring = comm.createDistGraphAdjacent([left, right], [left, right]);
 * deepEqual(ring.neighborAllgather(comm.rank), [left, right]);
 * ```
 */
export class DistGraphComm extends Comm implements topo.DistGraph {
  /** Ranks this rank receives from, in the order results are returned. */
  readonly sources: readonly number[];
  /** Ranks this rank sends to. */
  readonly destinations: readonly number[];

  /** @ignore Made by `createDistGraphAdjacent`. */
  constructor(init: CommInit, sources: readonly number[], destinations: readonly number[]) {
    super(init);
    this.sources = Object.freeze([...sources]);
    this.destinations = Object.freeze([...destinations]);
  }

  /**
   * Sends `value` to every destination and returns what each source sent,
   * in `sources` order (MPI_Neighbor_allgather). Every rank must call it.
   *
   * @param value What to send to every destination.
   * @returns What each source sent, in `sources` order.
   * @throws {SpmdError} `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const next = (comm.rank + 1) % comm.size;
   * const prev = (comm.rank - 1 + comm.size) % comm.size;
   * const g = comm.createDistGraphAdjacent([prev], [next]);
   * deepEqual(g.neighborAllgather(`from ${comm.rank}`), [`from ${prev}`]);
   * ```
   */
  neighborAllgather<T = unknown>(value: T): T[] {
    return topo.neighborExchange(this, "neighborAllgather", value) as T[];
  }

  /**
   * Sends `values[i]` to `destinations[i]` and returns what each source sent
   * to this rank, in `sources` order (MPI_Neighbor_alltoall).
   *
   * @param values One value per destination.
   * @returns What each source sent to this rank, in `sources` order.
   * @throws {SpmdError} `MPI_ERR_COUNT` if `values` is not one value per destination; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const next = (comm.rank + 1) % comm.size;
   * const prev = (comm.rank - 1 + comm.size) % comm.size;
   * const g = comm.createDistGraphAdjacent([prev], [next]);
   * deepEqual(g.neighborAlltoall([comm.rank * 10]), [prev * 10]);
   * ```
   */
  neighborAlltoall<T = unknown>(values: readonly T[]): T[] {
    return topo.neighborExchange(this, "neighborAlltoall", values) as T[];
  }

  /**
   * A new communicator of the same graph, with its own message context (MPI_Comm_dup keeps the topology).
   *
   * @returns The new graph communicator (collective).
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const g = comm.createDistGraphAdjacent([comm.rank], [comm.rank]); // each rank to itself
   * const copy = g.dup();
   * deepEqual(copy.sources, [comm.rank]);
   * copy.free();
   * ```
   */
  override dup(): DistGraphComm {
    return dupComm(this, (init) => new DistGraphComm(init, this.sources, this.destinations));
  }
}

topo.registerTopologies({
  cart: (init, dims, periods) => new CartComm(init, dims, periods),
  graph: (init, sources, destinations) => new DistGraphComm(init, sources, destinations),
});
