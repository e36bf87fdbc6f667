/**
 * spmd: MPI-style SPMD parallel programming for Deno.
 *
 * One program runs as N ranks (Web Workers sharing memory on one machine,
 * or processes under `mpiexec` on an MPI library); ranks pass messages and
 * run collectives, as with mpi4py.
 *
 * Add it to a Deno project and import it:
 *
 * ```sh
 * deno add jsr:@spmd/spmd
 * ```
 *
 * ```ts
 * import { world } from "@spmd/spmd";
 * ```
 *
 * Run a program on 4 ranks with the launcher, straight from the registry or
 * installed as a command:
 *
 * ```sh
 * deno run -A jsr:@spmd/spmd/cli -n 4 app.ts
 *
 * deno install -g -A -n spmd jsr:@spmd/spmd/cli
 * spmd -n 4 app.ts
 * ```
 *
 * From a clone of the repository: `deno run -A cli.ts -n 4 app.ts`. From
 * code: {@linkcode spawn}. A program run plainly (`deno run app.ts`) is a
 * world of one rank.
 *
 * @example Every rank adds its rank number
 * ```ts
 * import { world } from "@spmd/spmd";
 * import assert from "node:assert/strict";
 *
 * const comm = world();
 * const sum = comm.allreduce(comm.rank); // 0 + 1 + ... + (size - 1), on every rank
 * assert.equal(sum, (comm.size * (comm.size - 1)) / 2);
 * ```
 *
 * @module
 */

export { Comm, UNDEFINED } from "./comm.ts";
export type { CartView, DistGraphView } from "./comm.ts";
export { CartComm, type Cartesian, COMM_TYPE_SHARED, computeDims, type DistGraph, DistGraphComm } from "./topology.ts";
export { PointToPoint } from "./_comm_p2p.ts";
export { SyncSends } from "./_comm_ssend.ts";
export { Probes } from "./_comm_probe.ts";
export { NonBlocking } from "./_comm_nbc.ts";
export { NonBlockingInto } from "./_comm_nbc_into.ts";
export { BufferCollectives } from "./_comm_into.ts";
export { Collectives } from "./_comm_coll.ts";
export { VectorCollectives } from "./_comm_vcoll.ts";
export { Group } from "./group.ts";
export { SharedWindow, type WindowType } from "./window.ts";
export { WindowEpochs } from "./_window_epochs.ts";
export type { LockOptions } from "./_window_sync.ts";
export { WindowAccess } from "./_window_access.ts";
export { backend, type BackendInfo } from "./backend.ts";
export {
  BAND,
  BOR,
  BXOR,
  createOp,
  type CreateOpOptions,
  LAND,
  LOR,
  LXOR,
  MAX,
  MAXLOC,
  MIN,
  MINLOC,
  NO_OP,
  type Op,
  type OpArg,
  PROD,
  REPLACE,
  SUM,
  type Widened,
} from "./ops.ts";
export type { NumericArray } from "./transport/typed.ts";
export type { AllocType } from "./_alloc.ts";
export {
  ANY_SOURCE,
  ANY_TAG,
  CONGRUENT,
  IDENT,
  IN_PLACE,
  type InPlace,
  PROC_NULL,
  SIMILAR,
  TAG_UB,
  UNEQUAL,
} from "./constants.ts";
export { AbortedError, SpmdError, TruncateError } from "./errors.ts";
export { JobError, spawn, type SpawnOptions } from "./launcher/spawn.ts";
export type { JobFailure, JobResult, RankEnd } from "./launcher/result.ts";
export { Request } from "./request.ts";
export { waitAll } from "./_wait_all.ts";
export { testAll, testAny, testSome, waitAny, waitSome } from "./_requests.ts";
export { Message } from "./mprobe.ts";
export { type ElementType, Status } from "./status.ts";
export { processorName, self, world, wtick, wtime } from "./world.ts";
export { region, traceBegin, traceEnd } from "./region.ts";
