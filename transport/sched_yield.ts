/**
 * `sched_yield()` from libc through Deno FFI: a waiting rank gives its core
 * to another thread, as Open MPI does when ranks outnumber cores. Loaded
 * once per thread, only when FFI is already allowed (never a permission
 * prompt); `null` where it cannot be had (no FFI permission, no libc).
 *
 * @module
 */

const LIBC = ["libc.so.6", "libc.dylib", "/usr/lib/libSystem.B.dylib"];

function load(): (() => void) | null {
  try {
    if (typeof Deno.dlopen !== "function") return null;
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return null;
  } catch {
    return null;
  }
  for (const path of LIBC) {
    try {
      const lib = Deno.dlopen(path, { sched_yield: { parameters: [], result: "i32" } });
      const f = lib.symbols.sched_yield;
      return () => {
        f();
      };
    } catch { /* try the next name */ }
  }
  return null;
}

let loaded: (() => void) | null | undefined;

/** libc's `sched_yield`, or null where it is not available. */
export function schedYield(): (() => void) | null {
  if (loaded === undefined) loaded = load();
  return loaded;
}
