/**
 * {@linkcode VectorCollectives}: a communicator's collectives on blocks of
 * unequal length (mpi4py's `Gatherv`, `Scatterv`, `Allgatherv`,
 * `Alltoallv`) and its reduce-scatters, which `Comm` extends.
 *
 * @module
 */

import { Collectives, runCollective } from "./_comm_coll.ts";
import { checkRoot } from "./_validate.ts";
import { gatherv } from "./collectives/gatherv/select.ts";
import { scatterv } from "./collectives/scatterv/select.ts";
import { allgatherv } from "./collectives/allgatherv/select.ts";
import { reduceScatter, reduceScatterBlock } from "./collectives/reduce_scatter/select.ts";
import { alltoallv } from "./collectives/alltoallv/select.ts";
import { type OpArg, SUM, toOp } from "./ops.ts";
import type { NumericArray } from "./transport/typed.ts";
import { typedMisfit } from "./collectives/_agree.ts";

/**
 * The vector collectives and reduce-scatters of a communicator; every
 * `Comm` is one.
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * const counts = Array.from({ length: comm.size }, () => 1);
 * equal(comm.allgatherv(new Int32Array([comm.rank]), counts).length, comm.size);
 * ```
 */
export class VectorCollectives extends Collectives {
  /**
   * Gathers typed-array blocks of unequal length: rank r passes `counts[r]`
   * elements; `root` gets one array of the same type, others `null`. Without
   * `displs` the blocks are packed in rank order; with them rank r's block
   * starts at `displs[r]`, the result is max(displs[i] + counts[i]) long and
   * the gaps are zero (blocks may not overlap). Every rank passes the same
   * counts (and displs).
   *
   * @param array This rank's block: a typed array of `counts[rank]` elements.
   * @param counts The number of elements of every rank's block.
   * @param root The rank that gets the result (default 0).
   * @param displs Where each rank's block goes in the result (default: packed in rank order).
   * @returns On `root`, a new array of `array`'s type holding every block; `null` elsewhere.
   * @throws {SpmdError} `MPI_ERR_ROOT` if `root` is not a rank; `MPI_ERR_COUNT` if the counts are wrong or differ between ranks; `MPI_ERR_ARG` for bad or overlapping `displs`; `MPI_ERR_BUFFER` if `array` is not a typed array or the types differ; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const counts = Array.from({ length: comm.size }, (_, r) => r + 1); // rank r sends r + 1 elements
   * const got = comm.gatherv(new Int32Array(comm.rank + 1).fill(comm.rank), counts, 0);
   * const packed = Int32Array.from(counts.flatMap((n, r) => Array(n).fill(r))); // [0, 1, 1, 2, 2, 2, ...]
   * deepEqual(got, comm.rank === 0 ? packed : null);
   * ```
   */
  gatherv<A extends ArrayBufferView>(
    array: A,
    counts: readonly number[],
    root = 0,
    displs: readonly number[] | null = null,
  ): A | null {
    checkRoot("gatherv", root, this.size);
    const bad = typedMisfit(array);
    return runCollective(this, "gatherv", root, (c) => gatherv(c, array, counts, root, bad, displs)) as A | null;
  }

  /**
   * Root passes one array of sum(counts) elements (with `displs`: rank r's
   * block is the `counts[r]` elements from `displs[r]`, blocks may overlap);
   * rank r gets its block (a new array). Every rank passes the same counts.
   *
   * @param array On `root`, the typed array to cut into blocks; ignored elsewhere (pass `null`).
   * @param counts The number of elements of every rank's block.
   * @param root The rank that sends (default 0).
   * @param displs Where each rank's block starts in `array` (default: packed in rank order).
   * @returns This rank's block: a new array of `counts[rank]` elements of the root's type.
   * @throws {SpmdError} `MPI_ERR_ROOT` if `root` is not a rank; `MPI_ERR_COUNT` if the counts are wrong or differ between ranks; `MPI_ERR_ARG` for bad `displs`; `MPI_ERR_BUFFER` if the root's `array` is not a typed array; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const counts = Array.from({ length: comm.size }, (_, r) => r + 1);
   * const all = comm.rank === 0 ? Float64Array.from(counts.flatMap((n, r) => Array(n).fill(r))) : null;
   * deepEqual(comm.scatterv(all, counts, 0), new Float64Array(comm.rank + 1).fill(comm.rank));
   * ```
   */
  scatterv<A extends ArrayBufferView>(
    array: A | null,
    counts: readonly number[],
    root = 0,
    displs: readonly number[] | null = null,
  ): A {
    checkRoot("scatterv", root, this.size);
    const mine = this.rank === root ? array : null;
    const bad = this.rank === root ? typedMisfit(array) : null;
    return runCollective(this, "scatterv", root, (c) => scatterv(c, mine, counts, root, bad, displs)) as A;
  }

  /**
   * Every rank passes `counts[rank]` elements; every rank gets them all, packed or at `displs` (as gatherv).
   *
   * @param array This rank's block: a typed array of `counts[rank]` elements.
   * @param counts The number of elements of every rank's block.
   * @param displs Where each rank's block goes in the result (default: packed in rank order).
   * @returns A new array of `array`'s type holding every rank's block, on every rank.
   * @throws {SpmdError} `MPI_ERR_COUNT` if the counts are wrong or differ between ranks; `MPI_ERR_ARG` for bad `displs`; `MPI_ERR_BUFFER` if `array` is not a typed array or the types differ; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const counts = Array.from({ length: comm.size }, (_, r) => r + 1);
   * const got = comm.allgatherv(new Int32Array(comm.rank + 1).fill(comm.rank), counts);
   * deepEqual(got, Int32Array.from(counts.flatMap((n, r) => Array(n).fill(r))));
   * ```
   */
  allgatherv<A extends ArrayBufferView>(
    array: A,
    counts: readonly number[],
    displs: readonly number[] | null = null,
  ): A {
    return runCollective(this, "allgatherv", -1, (c) => allgatherv(c, array, counts, typedMisfit(array), displs)) as A;
  }

  /**
   * All-to-all of typed-array blocks of unequal length (mpi4py's
   * `Alltoallv([array, sendCounts, sendDispls], [recv, recvCounts,
   * recvDispls])`, returning the result): `sendCounts[j]` elements of
   * `array`, from `sendDispls[j]` (packed in rank order when null), go to
   * rank j. Returns a new array of the same type with rank i's block of
   * `recvCounts[i]` elements at `recvDispls[i]` (packed when null; gaps
   * zero). `recvCounts` may be null: they are learned from the senders;
   * when given they must match. Mismatches throw the same SpmdError on
   * every rank.
   *
   * @param array The typed array holding the blocks for every rank.
   * @param sendCounts The number of elements for each rank.
   * @param sendDispls Where each rank's block starts in `array` (default: packed).
   * @param recvCounts The number of elements from each rank (default: learned from the senders).
   * @param recvDispls Where each rank's block goes in the result (default: packed).
   * @returns A new array of `array`'s type with the blocks every rank sent here.
   * @throws {SpmdError} `MPI_ERR_COUNT` if counts are wrong or do not match the senders'; `MPI_ERR_ARG` for bad displacements; `MPI_ERR_BUFFER` if `array` is not a typed array or the types differ; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * // Rank r sends j + 1 copies of r to rank j: rank j gets j + 1 elements from each rank.
   * const counts = Array.from({ length: comm.size }, (_, j) => j + 1);
   * const send = new Int32Array(counts.reduce((a, b) => a + b, 0)).fill(comm.rank);
   * const got = comm.alltoallv(send, counts);
   * deepEqual(got, Int32Array.from({ length: comm.size * (comm.rank + 1) }, (_, k) => Math.floor(k / (comm.rank + 1))));
   * ```
   */
  alltoallv<A extends ArrayBufferView>(
    array: A,
    sendCounts: readonly number[],
    sendDispls: readonly number[] | null = null,
    recvCounts: readonly number[] | null = null,
    recvDispls: readonly number[] | null = null,
  ): A {
    const args = { array, sendCounts, sendDispls, recvCounts, recvDispls };
    return runCollective(this, "alltoallv", -1, (c) => alltoallv(c, args, typedMisfit(array))) as A;
  }

  /**
   * Element-wise reduction of every rank's array (sum(counts) elements);
   * rank r gets block r of the result, `counts[r]` elements. Every rank
   * passes the same counts; counts or arrays that disagree throw the same
   * SpmdError on every rank.
   *
   * @param array This rank's array of sum(counts) numbers.
   * @param counts The length of each rank's block of the result.
   * @param op The reduction (default `SUM`).
   * @returns Block `rank` of the element-wise reduction: `counts[rank]` elements.
   * @throws {SpmdError} `MPI_ERR_COUNT` if the counts are wrong or differ between ranks; `MPI_ERR_OP` if `op` does not apply or the arrays disagree; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const counts = Array.from({ length: comm.size }, (_, r) => r + 1);
   * const ones = new Int32Array(counts.reduce((a, b) => a + b, 0)).fill(1);
   * deepEqual(comm.reduceScatter(ones, counts), new Int32Array(comm.rank + 1).fill(comm.size));
   * ```
   */
  reduceScatter<A extends NumericArray | number[]>(
    array: A,
    counts: readonly number[],
    op: OpArg<A> = SUM,
  ): A {
    const o = toOp("reduceScatter", op);
    return runCollective(this, "reduceScatter", -1, (c) => reduceScatter(c, array, counts, o)) as A;
  }

  /**
   * Element-wise reduction of every rank's array, whose length is a
   * multiple of `size`; rank r gets block r of the result (length / size
   * elements; MPI_Reduce_scatter_block). Arrays that disagree throw the same
   * SpmdError on every rank.
   *
   * @param array This rank's array; its length is a multiple of `size`.
   * @param op The reduction (default `SUM`).
   * @returns Block `rank` of the element-wise reduction: length / size elements.
   * @throws {SpmdError} `MPI_ERR_COUNT` if the length is not a multiple of `size`; `MPI_ERR_OP` if `op` does not apply or the arrays disagree; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const got = comm.reduceScatterBlock(new Float64Array(2 * comm.size).fill(comm.rank));
   * deepEqual(got, new Float64Array(2).fill((comm.size * (comm.size - 1)) / 2));
   * ```
   */
  reduceScatterBlock<A extends NumericArray | number[]>(array: A, op: OpArg<A> = SUM): A {
    const o = toOp("reduceScatterBlock", op);
    return runCollective(this, "reduceScatterBlock", -1, (c) => reduceScatterBlock(c, array, o)) as A;
  }
}
