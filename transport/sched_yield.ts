/**
 * `sched_yield()` from libc through Deno FFI: a waiting rank gives its core
 * to another thread, as Open MPI does when ranks outnumber cores. Loaded
 * once per thread, only when FFI is already allowed (never a permission
 * prompt); `null` where it cannot be had (no FFI permission, no libc).
 *
 * @module
 */

import { libc } from "./_libc.ts";

let loaded: (() => void) | null | undefined;

/** libc's `sched_yield`, or null where it is not available. */
export function schedYield(): (() => void) | null {
  if (loaded === undefined) {
    const f = libc()?.sched_yield;
    loaded = f === undefined ? null : () => {
      f();
    };
  }
  return loaded;
}
