// The few libc functions spmd calls through Deno FFI, loaded once per thread and only where FFI is already
// allowed (never a permission prompt): `sched_yield` (sched_yield.ts) and `memcpy` (_memcpy.ts).

const NAMES = ["libc.so.6", "libc.dylib", "/usr/lib/libSystem.B.dylib"];

const SYMBOLS = {
  sched_yield: { parameters: [], result: "i32" },
  memcpy: { parameters: ["pointer", "pointer", "usize"], result: "void" },
  // memcpy(a, a, 0) returns `a`: the address of a typed array's first byte by a fast call (~20 ns), where
  // `Deno.UnsafePointer.of` takes ~175.
  address: { name: "memcpy", parameters: ["buffer", "buffer", "usize"], result: "pointer" },
} as const;

/** The libc functions spmd uses. */
export type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

function load(): Libc | null {
  try {
    if (typeof Deno.dlopen !== "function") return null;
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return null;
  } catch {
    return null;
  }
  for (const path of NAMES) {
    try {
      return Deno.dlopen(path, SYMBOLS).symbols;
    } catch { /* try the next name */ }
  }
  return null;
}

let loaded: Libc | null | undefined;

/** libc's functions, or null where they cannot be had (no FFI permission, no libc). */
export function libc(): Libc | null {
  if (loaded === undefined) loaded = load();
  return loaded;
}
