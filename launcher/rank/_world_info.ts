// The per-thread handle that connects a rank's code to its job. The worker
// bootstrap stores it on globalThis under a registry symbol, so that every
// copy of spmd loaded in the worker (e.g. through two import URLs) finds the
// same transport: two endpoints on one rank's rings would corrupt them.

import { ShmTransport } from "../../transport/shm_transport.ts";
import { createShm, layoutFor } from "../../transport/shm_layout.ts";
import { createHeaps } from "../../transport/heap.ts";
import type { Transport } from "../../transport/transport.ts";
import { startedByMpi } from "../../transport/mpi/detect.ts";
import { readEnv } from "../../transport/_env.ts";
import { mpiWorldTransport } from "./_mpi_rank.ts";

/** Key of the rank handle on globalThis. */
export const WORLD_KEY: symbol = Symbol.for("spmd.world");

/** What a rank's thread knows about its job. */
export interface WorldInfo {
  /** The job's shared memory. */
  sab: SharedArrayBuffer;
  /** Every rank's heap (transport/heap.ts). */
  heaps: SharedArrayBuffer[];
  /** This rank. */
  rank: number;
  /** Spin budget override. */
  spin?: number;
  /** Bound of the unexpected queue in bytes. */
  unexpectedBytes?: number;
  /** This rank's trace buffer, when the job is traced. */
  trace?: SharedArrayBuffer;
  /** Tells the launcher this rank aborted the job. */
  onAbort?: (code: number, message: string) => void;
  /** The rank's transport, created on first use. */
  transport?: Transport;
}

/** The rank handle of this thread, or undefined outside a launched job. */
export function worldInfo(): WorldInfo | undefined {
  return (globalThis as Record<symbol, unknown>)[WORLD_KEY] as
    | WorldInfo
    | undefined;
}

/** Installs the rank handle of this thread. */
export function setWorldInfo(info: WorldInfo): void {
  (globalThis as Record<symbol, unknown>)[WORLD_KEY] = info;
}

/**
 * The transport of this thread: the job's; in a process started by an MPI
 * launcher, the MPI backend; or for a program run plainly a size-1 job of
 * its own (MPI's singleton init).
 */
export function worldTransport(): Transport {
  let info = worldInfo();
  if (info === undefined && startedByMpi()) {
    info = { sab: new SharedArrayBuffer(0), heaps: [], rank: -1, transport: mpiWorldTransport() };
    setWorldInfo(info);
  }
  if (info === undefined) {
    info = {
      sab: createShm(layoutFor(1)),
      heaps: createHeaps(1),
      rank: 0,
      onAbort: (code, message) => {
        console.error(`rank 0: ${message}`);
        Deno.exit(code);
      },
    };
    setWorldInfo(info);
  }
  info.transport ??= new ShmTransport({
    sab: info.sab,
    heaps: info.heaps,
    rank: info.rank,
    spin: info.spin,
    unexpectedBytes: info.unexpectedBytes,
    trace: info.trace,
    onAbort: info.onAbort,
    memcpy: readEnv("SPMD_MEMCPY") !== "0",
  });
  return info.transport;
}
