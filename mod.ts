/**
 * spmd: MPI-style SPMD parallel programming for Deno.
 *
 * One program runs as N ranks (Web Workers on one machine); ranks pass
 * messages through ring buffers in shared memory and run collectives.
 * Start a program with the launcher, `deno run -A jsr:@spmd/spmd/cli -n 4
 * app.ts`, or from code with {@linkcode spawn}.
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 *
 * const comm = world();
 * const next = (comm.rank + 1) % comm.size;
 * const prev = (comm.rank - 1 + comm.size) % comm.size;
 * const got = comm.sendrecv(`hello from ${comm.rank}`, next, 0, prev);
 * console.log(`rank ${comm.rank} got: ${got}`);
 * ```
 *
 * @module
 */

export { Comm, UNDEFINED } from "./comm.ts";
export type { CartView, DistGraphView } from "./comm.ts";
export { CartComm, type Cartesian, COMM_TYPE_SHARED, computeDims, type DistGraph, DistGraphComm } from "./topology.ts";
export { PointToPoint } from "./_comm_p2p.ts";
export { NonBlocking } from "./_comm_nbc.ts";
export { BufferCollectives } from "./_comm_into.ts";
export { Group } from "./group.ts";
export { SharedWindow, type WindowType } from "./window.ts";
export { type LockOptions, WindowAccess } from "./_window_access.ts";
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
export { Request, waitAll } from "./request.ts";
export { testAll, testAny, testSome, waitAny, waitSome } from "./_requests.ts";
export { Message } from "./mprobe.ts";
export { type ElementType, Status } from "./status.ts";
export { processorName, self, world, wtick, wtime } from "./world.ts";
export { region, traceBegin, traceEnd } from "./region.ts";
