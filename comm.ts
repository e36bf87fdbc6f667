/**
 * {@linkcode Comm}: a communicator, the group of ranks a program talks to.
 *
 * Point-to-point calls follow mpi4py's lowercase API: they move any
 * structured-cloneable value and return what arrives; bare typed arrays take
 * a zero-serialization fast path.
 *
 * @module
 */

import type { CommInit } from "./_comm_p2p.ts";
import { VectorCollectives } from "./_comm_vcoll.ts";
import { callCode, collectiveContext } from "./transport/calls.ts";
import { checkAbortCode, checkSplit } from "./_validate.ts";
import type { NumericArray } from "./transport/typed.ts";
import { createComm, dupComm, splitComm, UNDEFINED } from "./_split.ts";
import { Group } from "./group.ts";
import { compareComms } from "./_compare.ts";
import { describe, SpmdError } from "./errors.ts";
import * as topo from "./_topology.ts";
import { allocateShared, type SharedWindow, type WindowType } from "./window.ts";

export { UNDEFINED };
export type { CommInit };

/**
 * What `createCart` returns: a `CartComm` (topology.ts), typed here without importing it (no cycle).
 *
 * @example
 * ```ts
 * import { type CartView, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * const cart: CartView | null = comm.createCart([comm.size]);
 * equal(cart?.ndim, 1);
 * ```
 */
export interface CartView extends Comm, topo.Cartesian<CartView> {
  /** A new communicator of the same grid (as MPI_Comm_dup, it keeps the topology). */
  dup(): CartView;
}
/**
 * What `createDistGraphAdjacent` returns: a `DistGraphComm` (topology.ts), typed here without importing it.
 *
 * @example
 * ```ts
 * import { type DistGraphView, world } from "@spmd/spmd";
 * import { deepEqual } from "node:assert/strict";
 *
 * const comm = world();
 * const g: DistGraphView = comm.createDistGraphAdjacent([], []);
 * deepEqual(g.neighborAllgather(1), []);
 * ```
 */
export interface DistGraphView extends Comm, topo.DistGraph {
  /** A new communicator of the same graph (as MPI_Comm_dup, it keeps the topology). */
  dup(): DistGraphView;
}

/**
 * A communicator: the point-to-point calls of {@linkcode PointToPoint},
 * collectives, and making communicators. Obtain the world with `world()`.
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * const total = comm.allreduce(comm.rank); // 0 + 1 + ... + (size - 1) on every rank
 * equal(total, (comm.size * (comm.size - 1)) / 2);
 * ```
 */
export class Comm extends VectorCollectives {
  // ---- communicators ---------------------------------------------------------------

  /**
   * Splits the communicator: ranks that pass the same `color` form a new
   * communicator, ordered by `key` (ties by rank). Color `UNDEFINED` gets
   * `null`. Every rank must call it.
   *
   * @param color A non-negative integer naming this rank's new communicator, or `UNDEFINED`.
   * @param key Orders the ranks of the new communicator (default: this rank).
   * @returns The new communicator of the ranks of this rank's color; `null` for `UNDEFINED`.
   * @throws {SpmdError} `MPI_ERR_ARG` if `color` or `key` is not an integer; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const half = comm.split(comm.rank % 2)!; // even and odd ranks
   * equal(half.rank, Math.floor(comm.rank / 2));
   * equal(half.allreduce(1), half.size);
   * half.free();
   * ```
   */
  split(color: number, key: number = this.rank): Comm | null {
    checkSplit(color, key, UNDEFINED);
    return splitComm(this, (init) => new Comm(init), color, key);
  }

  /**
   * A communicator with the same ranks and a separate message context (MPI_Comm_dup).
   *
   * @returns The new communicator (collective: every rank must call it).
   * @throws {SpmdError} `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { CONGRUENT, world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const lib = comm.dup(); // a library's messages never meet the caller's
   * equal(lib.compare(comm), CONGRUENT);
   * lib.free();
   * ```
   */
  dup(): Comm {
    return dupComm(this, (init) => new Comm(init));
  }

  #name = "";

  /**
   * The communicator's name ("MPI_COMM_WORLD", "MPI_COMM_SELF", or what `setName` set; "" for others).
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * equal(world().name, "MPI_COMM_WORLD");
   * ```
   */
  get name(): string {
    return this.#name;
  }

  /**
   * Names the communicator on this rank (MPI_Comm_set_name; local).
   *
   * @param name The name, shown by `name` and in spmd's error reports.
   * @throws {SpmdError} `MPI_ERR_ARG` if `name` is not a string.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const d = comm.dup();
   * d.setName("halo");
   * equal(d.name, "halo");
   * d.free();
   * ```
   */
  setName(name: string): void {
    if (typeof name !== "string") {
      throw new SpmdError(`setName: name must be a string, got ${describe(name)}`, "MPI_ERR_ARG");
    }
    this.#name = name;
  }

  /**
   * Without an argument: frees the communicator (MPI_Comm_free, local
   * here): every later call on it throws an SpmdError naming it; the world
   * and `self()` cannot be freed. With an array: returns memory that
   * `alloc` gave (MPI_Free_mem).
   *
   * @param array Nothing, to free the communicator; or an array from `alloc`, to free it.
   * @throws {SpmdError} `MPI_ERR_COMM` if the communicator is the world or `self()`, or already freed; `MPI_ERR_BUFFER` if `array` did not come from `alloc` or was freed already.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { throws } from "node:assert/strict";
   *
   * const comm = world();
   * const d = comm.dup();
   * d.free();
   * throws(() => d.barrier(), { code: "MPI_ERR_COMM" });
   * ```
   */
  override free(...array: [] | [ArrayBufferView]): void {
    if (array.length > 0) return super.free(array[0]!);
    this.checkLive("free");
    const name = this.#name === "" ? `comm=${this.context >> 1}` : this.#name;
    if (this.predefined) throw new SpmdError(`free: ${name} cannot be freed`, "MPI_ERR_COMM");
    this.markFreed(`communicator ${name} was freed (comm.free())`);
  }

  /**
   * Compares with communicator `other` (MPI_Comm_compare; local): `IDENT`
   * (the same communicator), `CONGRUENT` (the same ranks in the same order),
   * `SIMILAR` (the same ranks in another order) or `UNEQUAL`.
   *
   * @param other The communicator to compare with.
   * @returns `IDENT`, `CONGRUENT`, `SIMILAR` or `UNEQUAL`.
   * @throws {SpmdError} `MPI_ERR_COMM` if `other` is not a communicator.
   *
   * @example
   * ```ts
   * import { CONGRUENT, IDENT, world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * equal(comm.compare(comm), IDENT);
   * const d = comm.dup();
   * equal(comm.compare(d), CONGRUENT);
   * d.free();
   * ```
   */
  compare(other: Comm): number {
    if (!(other instanceof Comm)) {
      throw new SpmdError(`compare: other must be a communicator, got ${describe(other)}`, "MPI_ERR_COMM");
    }
    return compareComms(this, other);
  }

  /**
   * The communicator's processes as a {@linkcode Group} (MPI_Comm_group; local).
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * equal(comm.group.size, comm.size);
   * equal(comm.group.rank, comm.rank);
   * ```
   */
  get group(): Group {
    return new Group(Array.from({ length: this.size }, (_, r) => this.worldRank(r)), this.transport.rank);
  }

  /**
   * A communicator of `group`'s processes in group order; null off the group. Every rank passes the same group.
   *
   * @param group A group of this communicator's processes (from `comm.group`).
   * @returns The new communicator on the group's ranks; `null` on the others.
   * @throws {SpmdError} `MPI_ERR_OTHER` if `group` is not a Group; `MPI_ERR_GROUP` if its processes are not all in this communicator; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const first = comm.create(comm.group.incl([0])); // rank 0 alone
   * equal(first === null, comm.rank !== 0);
   * first?.free();
   * ```
   */
  create(group: Group): Comm | null {
    if (!(group instanceof Group)) throw new SpmdError(`create: group must be a Group, got ${describe(group)}`);
    return createComm(this, (init) => new Comm(init), group.worldRanks, this.transport.rank);
  }

  // ---- topologies (the logic is in _topology.ts; the classes in topology.ts) ----

  /**
   * A Cartesian grid of `dims` over the first prod(dims) ranks, in rank
   * order (row-major: the last dimension varies fastest), as a `CartComm`;
   * ranks beyond the grid get `null` (MPI_COMM_NULL). `periods` (one per
   * dimension, or one boolean for all) makes dimensions wrap; `reorder` is
   * accepted and keeps the order (every rank is on one machine). Every rank
   * must call it. Use `computeDims` for a balanced `dims`.
   *
   * @param dims The number of ranks along each dimension; their product is at most `size`.
   * @param periods Whether each dimension wraps around, or one boolean for all (default none).
   * @param reorder Accepted for MPI's sake; the order is kept.
   * @returns The grid communicator; `null` on ranks beyond the grid.
   * @throws {SpmdError} `MPI_ERR_DIMS` if `dims` are not positive integers or need more ranks than there are; `MPI_ERR_ARG` for bad `periods` or `reorder`; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const ring = comm.createCart([comm.size], true)!;
   * const [left, right] = ring.shift(0);
   * equal(right, (comm.rank + 1) % comm.size);
   * equal(left, (comm.rank - 1 + comm.size) % comm.size);
   * ring.free();
   * ```
   */
  createCart(dims: readonly number[], periods?: readonly boolean[] | boolean, reorder = false): CartView | null {
    return topo.createCart(this, dims, periods, reorder) as CartView | null;
  }

  /**
   * Splits the communicator into the groups of ranks that share memory
   * (MPI_Comm_split_type with `COMM_TYPE_SHARED`), ordered by `key`; `UNDEFINED`
   * gets `null`. On shared memory that is every rank (a new communicator of
   * the same ranks); on the MPI backend ranks are grouped by host name.
   *
   * @param type `COMM_TYPE_SHARED`, or `UNDEFINED` to take no part.
   * @param key Orders the ranks of the new communicator (default: this rank).
   * @returns The communicator of the ranks that share memory with this one; `null` for `UNDEFINED`.
   * @throws {SpmdError} `MPI_ERR_ARG` for another `type` or a key that is not an integer; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { COMM_TYPE_SHARED, world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const node = comm.splitType(COMM_TYPE_SHARED)!;
   * equal(node.size, comm.size); // one machine: every rank shares memory
   * node.free();
   * ```
   */
  splitType(type: number, key: number = this.rank): Comm | null {
    return topo.splitType(this, (init) => new Comm(init), type, key);
  }

  /**
   * A distributed graph communicator (mpi4py's `Create_dist_graph_adjacent`,
   * a `DistGraphComm`): this rank receives from `sources` and sends to
   * `destinations`, for `neighborAllgather` and `neighborAlltoall`. The
   * ranks' lists must agree (a lists b as a destination as often as b lists
   * a as a source); otherwise every rank throws the same SpmdError.
   *
   * @param sources The ranks this rank receives from.
   * @param destinations The ranks this rank sends to.
   * @returns The graph communicator (of the same ranks).
   * @throws {SpmdError} `MPI_ERR_RANK` if a listed rank is not a rank; `MPI_ERR_ARG` (on every rank) if the lists are not arrays or do not agree between ranks; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const prev = (comm.rank - 1 + comm.size) % comm.size;
   * const next = (comm.rank + 1) % comm.size;
   * const graph = comm.createDistGraphAdjacent([prev], [next]); // a ring
   * deepEqual(graph.neighborAllgather(comm.rank), [prev]);
   * graph.free();
   * ```
   */
  createDistGraphAdjacent(sources: readonly number[], destinations: readonly number[]): DistGraphView {
    return topo.createDistGraphAdjacent(this, sources, destinations) as DistGraphView;
  }

  // ---- shared-memory windows (window.ts) ----

  /**
   * A shared-memory window of `localLength` elements of `Type` on each rank
   * (MPI_Win_allocate_shared; collective, the same `Type` on every rank):
   * typed arrays over memory every rank reads and writes, with one-sided
   * operations and MPI's epochs. See {@linkcode SharedWindow}.
   *
   * @param Type The element type: a typed-array constructor such as `Float64Array`.
   * @param localLength The number of elements of this rank's part (may be 0; may differ between ranks).
   * @returns The window: `local` is this rank's part, `all` the whole window.
   * @throws {SpmdError} `MPI_ERR_TYPE` if `Type` is not a numeric typed-array type or differs between ranks; `MPI_ERR_ARG` for a bad length (on every rank); `MPI_ERR_NO_MEM` if the memory cannot be had; `MPI_ERR_UNSUPPORTED_OPERATION` on a backend or communicator without shared memory; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const win = comm.allocateShared(Int32Array, 1);
   * win.local[0] = comm.rank + 1;
   * win.fence(); // every rank's write is now seen by every rank
   * equal(win.all.reduce((a, b) => a + b, 0), (comm.size * (comm.size + 1)) / 2);
   * win.free();
   * ```
   */
  allocateShared<A extends NumericArray>(Type: WindowType<A>, localLength: number): SharedWindow<A> {
    this.checkLive("allocateShared");
    const t = this.transport;
    t.enter(callCode("allocateShared"), -1, -1, collectiveContext(this.context));
    try {
      return allocateShared(this, Type, localLength);
    } finally {
      t.leave();
    }
  }

  // ---- job control -------------------------------------------------------------

  /**
   * Stops every rank of the job (MPI_Abort). The launcher prints the report
   * and exits with `code` exactly as given, even 0. Never returns.
   *
   * @param code The job's exit code, 0..255 (default 1).
   * @param message What the launcher reports.
   * @returns Never: the job stops.
   * @throws {SpmdError} `MPI_ERR_ARG` if `code` is not an integer in 0..255.
   *
   * @example
   * ```ts ignore
   * // Not run by the doc tests: it stops the whole job.
   * import { world } from "@spmd/spmd";
   *
   * const comm = world();
   * const input = comm.rank === 0 ? Deno.args[0] : undefined;
   * if (comm.rank === 0 && input === undefined) comm.abort(2, "usage: app.ts <input>");
   * ```
   */
  abort(code = 1, message = `comm.abort(${code}) called`): never {
    checkAbortCode(code);
    return this.transport.abort(code, String(message));
  }
}
