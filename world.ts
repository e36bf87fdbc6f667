/**
 * {@linkcode world} and {@linkcode wtime}: the entry points of a rank.
 *
 * @module
 */

import { Comm } from "./comm.ts";
import { worldTransport } from "./launcher/rank/_world_info.ts";

const WORLD_COMMS = new WeakMap<object, Comm>();

/**
 * The world communicator of this rank (MPI_COMM_WORLD). Under the launcher
 * it spans every rank of the job; a program run plainly with `deno run`
 * gets a communicator of size 1, like MPI's singleton init.
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * const comm = world();
 * console.log(`rank ${comm.rank} of ${comm.size}`);
 * ```
 */
export function world(): Comm {
  const t = worldTransport();
  let c = WORLD_COMMS.get(t);
  if (c === undefined) {
    c = new Comm({ transport: t, context: 0 });
    WORLD_COMMS.set(t, c);
  }
  return c;
}

/**
 * Wall-clock time in seconds, with sub-microsecond resolution (MPI_Wtime).
 * Only differences between two calls are meaningful.
 */
export function wtime(): number {
  return performance.now() / 1000;
}
