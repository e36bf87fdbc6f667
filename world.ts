/**
 * {@linkcode world} and {@linkcode wtime}: the entry points of a rank.
 *
 * @module
 */

import { Comm } from "./comm.ts";
import { worldTransport } from "./launcher/rank/_world_info.ts";

const WORLD_COMMS = new WeakMap<object, Comm>();
const SELF_COMMS = new WeakMap<object, Comm>();
/** The context of `self()`: reserved, far above those that split and dup hand out. */
const SELF_CONTEXT = 0x3ffffffe;

/**
 * The world communicator of this rank (MPI_COMM_WORLD). Under the launcher
 * it spans every rank of the job; a program run plainly with `deno run`
 * gets a communicator of size 1, like MPI's singleton init.
 *
 * @returns The world communicator (the same object on every call).
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * import { equal, ok } from "node:assert/strict";
 *
 * const comm = world();
 * ok(comm.rank >= 0 && comm.rank < comm.size);
 * equal(world(), comm);
 * ```
 */
export function world(): Comm {
  const t = worldTransport();
  let c = WORLD_COMMS.get(t);
  if (c === undefined) {
    c = new Comm({ transport: t, context: 0, predefined: true });
    c.setName("MPI_COMM_WORLD");
    WORLD_COMMS.set(t, c);
  }
  return c;
}

/**
 * A communicator of this rank alone (MPI_COMM_SELF), with its own context:
 * messages and collectives on it never mix with another communicator's.
 * The same object on every call (local: no other rank takes part).
 *
 * @returns The communicator of this rank alone.
 *
 * @example
 * ```ts
 * import { self } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * equal(self().size, 1);
 * equal(self().allreduce(5), 5);
 * ```
 */
export function self(): Comm {
  const t = worldTransport();
  let c = SELF_COMMS.get(t);
  if (c === undefined) {
    t.deriveSelf?.(SELF_CONTEXT);
    c = new Comm({ transport: t, context: SELF_CONTEXT, members: [t.rank], predefined: true });
    c.setName("MPI_COMM_SELF");
    SELF_COMMS.set(t, c);
  }
  return c;
}

let tick = 0;

/**
 * The resolution of {@linkcode wtime} in seconds (MPI_Wtick): the smallest step it was seen to take.
 *
 * @returns The resolution in seconds.
 *
 * @example
 * ```ts
 * import { wtick } from "@spmd/spmd";
 * import { ok } from "node:assert/strict";
 *
 * const tick = wtick();
 * ok(tick > 0 && tick < 0.01);
 * ```
 */
export function wtick(): number {
  if (tick === 0) {
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const a = performance.now();
      let b = performance.now();
      while (b === a) b = performance.now();
      best = Math.min(best, b - a);
    }
    tick = best / 1000;
  }
  return tick;
}

/**
 * The name of the machine this rank runs on (MPI_Get_processor_name):
 * `Deno.hostname()` when the rank may read it (`--allow-sys`), else
 * "localhost".
 *
 * @returns The host name.
 *
 * @example
 * ```ts
 * import { processorName } from "@spmd/spmd";
 * import { ok } from "node:assert/strict";
 *
 * const host = processorName();
 * ok(host.length > 0);
 * ```
 */
export function processorName(): string {
  try {
    if (Deno.permissions.querySync({ name: "sys", kind: "hostname" }).state === "granted") return Deno.hostname();
  } catch {
    // no permission API or no host name: below
  }
  return "localhost";
}

/**
 * Wall-clock time in seconds, with sub-microsecond resolution (MPI_Wtime).
 * Only differences between two calls are meaningful.
 *
 * @returns Seconds since an arbitrary origin.
 *
 * @example
 * ```ts
 * import { world, wtime } from "@spmd/spmd";
 * import { ok } from "node:assert/strict";
 *
 * const t0 = wtime();
 * world().barrier();
 * ok(wtime() - t0 >= 0);
 * ```
 */
export function wtime(): number {
  return performance.now() / 1000;
}
