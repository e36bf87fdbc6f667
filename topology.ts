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
 * const comm = world();
 * const cart = comm.createCart(computeDims(comm.size, 2), [false, true])!;
 * const [up, down] = cart.shift(0); // PROC_NULL at the first / last row
 * const [left, right] = cart.shift(1); // the columns wrap around
 * console.log(cart.coords(), up === PROC_NULL, left, right);
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

  /** Number of dimensions. */
  get ndim(): number {
    return this.dims.length;
  }

  /** Coordinates of `rank` in the grid (MPI_Cart_coords). */
  coords(rank: number = this.rank): number[] {
    return topo.coordsOf(this, rank);
  }

  /**
   * Rank at `coords` (MPI_Cart_rank); coordinates of periodic dimensions
   * wrap around, out of range on another dimension is an error.
   */
  rankOf(coords: readonly number[]): number {
    return topo.rankOf(this, coords);
  }

  /**
   * The ranks `disp` steps before and after this one along dimension
   * `direction`, as `[source, dest]` (MPI_Cart_shift): receive from
   * `source`, send to `dest`. Off the edge of a non-periodic dimension
   * they are `PROC_NULL`, so a `sendrecv` there does nothing.
   */
  shift(direction: number, disp = 1): [number, number] {
    return topo.shift(this, direction, disp);
  }

  /**
   * The sub-grid of the ranks that share this rank's coordinates in the
   * dimensions where `remainDims` is false (MPI_Cart_sub): e.g. `[false,
   * true]` on a 2-D grid gives this rank's row. Every rank must call it.
   */
  sub(remainDims: readonly boolean[]): CartComm {
    return topo.subCart(this, remainDims) as CartComm;
  }

  /**
   * Sends `value` to the 2·ndim neighbours and returns what each sent, in
   * MPI's order: for each dimension the −1 neighbour, then the +1 neighbour
   * (those of `shift(d)`); `null` past a non-periodic edge
   * (MPI_Neighbor_allgather). Every rank must call it.
   */
  neighborAllgather<T = unknown>(value: T): (T | null)[] {
    return topo.cartNeighborExchange(this, "neighborAllgather", value) as (T | null)[];
  }

  /**
   * Sends `values[i]` to neighbour i (the order of `neighborAllgather`) and
   * returns what each neighbour sent to this rank; `null` past a
   * non-periodic edge, where `values[i]` is not sent (MPI_Neighbor_alltoall).
   */
  neighborAlltoall<T = unknown>(values: readonly T[]): (T | null)[] {
    return topo.cartNeighborExchange(this, "neighborAlltoall", values) as (T | null)[];
  }

  /** A new communicator of the same grid, with its own message context (MPI_Comm_dup keeps the topology). */
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
 * const comm = world();
 * const left = (comm.rank - 1 + comm.size) % comm.size;
 * const right = (comm.rank + 1) % comm.size;
 * const ring = comm.createDistGraphAdjacent([left, right], [left, right]);
 * const [fromLeft, fromRight] = ring.neighborAllgather(comm.rank); // [left, right]
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
   */
  neighborAllgather<T = unknown>(value: T): T[] {
    return topo.neighborExchange(this, "neighborAllgather", value) as T[];
  }

  /**
   * Sends `values[i]` to `destinations[i]` and returns what each source sent
   * to this rank, in `sources` order (MPI_Neighbor_alltoall).
   */
  neighborAlltoall<T = unknown>(values: readonly T[]): T[] {
    return topo.neighborExchange(this, "neighborAlltoall", values) as T[];
  }

  /** A new communicator of the same graph, with its own message context (MPI_Comm_dup keeps the topology). */
  override dup(): DistGraphComm {
    return dupComm(this, (init) => new DistGraphComm(init, this.sources, this.destinations));
  }
}

topo.registerTopologies({
  cart: (init, dims, periods) => new CartComm(init, dims, periods),
  graph: (init, sources, destinations) => new DistGraphComm(init, sources, destinations),
});
