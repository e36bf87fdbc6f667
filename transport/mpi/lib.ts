/**
 * Loading an MPI library through Deno FFI, with no C code of ours: which
 * library, its handle values, and the C functions spmd calls.
 *
 * Three ABIs are known, tried in this order unless `SPMD_MPI_LIB` names a
 * library (then its ABI is told from its symbols):
 *
 * - **MPI ABI** (`libmpi_abi.so`, MPI 5): handles are pointer-sized, the
 *   predefined ones small constants fixed by the standard.
 * - **MPICH ABI** (`libmpich.so.12`: MPICH, Intel MPI, MVAPICH, Cray
 *   MPICH): handles are 32-bit integers fixed in `mpi.h`
 *   (`MPI_COMM_WORLD` = 0x44000000).
 * - **Open MPI** (`libmpi.so.40`): handles are addresses of global objects
 *   (`ompi_mpi_comm_world`, ...). The library is opened once more through
 *   libc's `dlopen` with `RTLD_NOW | RTLD_GLOBAL` — its plugins need its
 *   symbols global anyway — and the addresses are taken with `dlsym`.
 *
 * Under Open MPI's launcher (`OMPI_*` variables) Open MPI is tried first,
 * since a library that does not match the launcher would start as a
 * singleton in every process.
 *
 * @module
 */

import { typedKindsForMpi } from "./_types.ts";

/** A handle value: a 32-bit integer (MPICH) or an address (Open MPI, MPI ABI), as a number. */
export type Handle = number;

/** What differs between the ABIs. */
export interface Abi {
  /** "MPI ABI", "MPICH" or "Open MPI". */
  name: string;
  /** FFI type of a handle passed by value. */
  handle: "i32" | "usize";
  /** Bytes of a handle in memory (out-parameters). */
  handleBytes: 4 | 8;
  /** Wildcards and sentinels. */
  ANY_SOURCE: number;
  ANY_TAG: number;
  PROC_NULL: number;
  UNDEFINED: number;
  /** Pointer values. */
  IN_PLACE: bigint;
  STATUS_IGNORE: bigint;
  /** Predefined handles. */
  COMM_WORLD: Handle;
  COMM_NULL: Handle;
  COMM_SELF: Handle;
  BYTE: Handle;
  ERRORS_RETURN: Handle;
  INFO_NULL: Handle;
  REQUEST_NULL: Handle;
  MESSAGE_NO_PROC: Handle;
  /** Datatype by spmd typed-array kind (typed.ts), 0 where MPI has none that matches spmd's semantics. */
  types: Handle[];
  /** Built-in op by spmd op name. */
  ops: Record<string, Handle>;
  /** Bytes of an `MPI_Status`; offsets of its source, tag and error words. */
  statusBytes: number;
  statusSource: number;
  statusTag: number;
  statusError: number;
  /** Offset of the byte count in an `MPI_Status` where the library keeps one (−1: ask `MPI_Get_count`). */
  statusCount: number;
}

const H = (n: number) => n;

/** MPICH's `mpi.h` values (the MPICH ABI). */
function mpichAbi(): Abi {
  return {
    name: "MPICH",
    handle: "i32",
    handleBytes: 4,
    ANY_SOURCE: -2,
    ANY_TAG: -1,
    PROC_NULL: -1,
    UNDEFINED: -32766,
    IN_PLACE: -1n,
    STATUS_IGNORE: 1n,
    COMM_WORLD: H(0x44000000),
    COMM_NULL: H(0x04000000),
    COMM_SELF: H(0x44000001),
    BYTE: H(0x4c00010d),
    ERRORS_RETURN: H(0x54000001),
    INFO_NULL: H(0x1c000000),
    REQUEST_NULL: H(0x2c000000),
    MESSAGE_NO_PROC: H(0x6c000000),
    types: typedKindsForMpi({
      int8: 0x4c000137,
      uint8: 0x4c00013b,
      int16: 0x4c000238,
      uint16: 0x4c00023c,
      int32: 0x4c000439,
      uint32: 0x4c00043d,
      int64: 0x4c00083a,
      uint64: 0x4c00083e,
      float: 0x4c00040a,
      double: 0x4c00080b,
      byte: 0x4c00010d,
    }),
    ops: {
      MAX: 0x58000001,
      MIN: 0x58000002,
      SUM: 0x58000003,
      PROD: 0x58000004,
      LAND: 0x58000005,
      BAND: 0x58000006,
      LOR: 0x58000007,
      BOR: 0x58000008,
      LXOR: 0x58000009,
      BXOR: 0x5800000a,
    },
    statusBytes: 20,
    statusSource: 8,
    statusTag: 12,
    statusError: 16,
    statusCount: 0,
  };
}

/** The MPI 5 standard ABI's values (`libmpi_abi.so`). */
function standardAbi(): Abi {
  return {
    name: "MPI ABI",
    handle: "usize",
    handleBytes: 8,
    ANY_SOURCE: -1,
    ANY_TAG: -31,
    PROC_NULL: -2,
    UNDEFINED: -32766,
    IN_PLACE: 1n,
    STATUS_IGNORE: 0n,
    COMM_WORLD: 0x101,
    COMM_NULL: 0x100,
    COMM_SELF: 0x102,
    BYTE: 0x247,
    ERRORS_RETURN: 0x142,
    INFO_NULL: 0x130,
    REQUEST_NULL: 0x180,
    MESSAGE_NO_PROC: 0x129,
    types: typedKindsForMpi({
      int8: 0x240,
      uint8: 0x241,
      int16: 0x248,
      uint16: 0x249,
      int32: 0x250,
      uint32: 0x251,
      int64: 0x258,
      uint64: 0x259,
      float: 0x210,
      double: 0x214,
      byte: 0x247,
    }),
    ops: {
      SUM: 0x21,
      MIN: 0x22,
      MAX: 0x23,
      PROD: 0x24,
      BAND: 0x28,
      BOR: 0x29,
      BXOR: 0x2a,
      LAND: 0x30,
      LOR: 0x31,
      LXOR: 0x32,
    },
    statusBytes: 32,
    statusSource: 0,
    statusTag: 4,
    statusError: 8,
    statusCount: -1,
  };
}

const RTLD_NOW = 2;
const RTLD_GLOBAL = 0x100;

/** Open MPI: the addresses of its predefined objects, from libc's `dlsym` on a global `dlopen` of `path`. */
function openMpiAbi(path: string): Abi {
  const libc = Deno.dlopen("libc.so.6", {
    dlopen: { parameters: ["buffer", "i32"], result: "pointer" },
    dlsym: { parameters: ["pointer", "buffer"], result: "pointer" },
  });
  const cstr = (s: string) => new TextEncoder().encode(s + "\0");
  const h = libc.symbols.dlopen(cstr(path), RTLD_NOW | RTLD_GLOBAL);
  if (h === null) throw new Error(`dlopen("${path}", RTLD_NOW | RTLD_GLOBAL) failed`);
  const sym = (name: string): Handle => {
    const p = libc.symbols.dlsym(h, cstr(name));
    if (p === null) throw new Error(`${path} has no symbol ${name}`);
    return Number(Deno.UnsafePointer.value(p));
  };
  const ops: Record<string, Handle> = {};
  for (const o of ["MAX", "MIN", "SUM", "PROD", "LAND", "BAND", "LOR", "BOR", "LXOR", "BXOR"]) {
    ops[o] = sym(`ompi_mpi_op_${o.toLowerCase()}`);
  }
  return {
    name: "Open MPI",
    handle: "usize",
    handleBytes: 8,
    ANY_SOURCE: -1,
    ANY_TAG: -1,
    PROC_NULL: -2,
    UNDEFINED: -32766,
    IN_PLACE: 1n,
    STATUS_IGNORE: 0n,
    COMM_WORLD: sym("ompi_mpi_comm_world"),
    COMM_NULL: sym("ompi_mpi_comm_null"),
    COMM_SELF: sym("ompi_mpi_comm_self"),
    BYTE: sym("ompi_mpi_byte"),
    ERRORS_RETURN: sym("ompi_mpi_errors_return"),
    INFO_NULL: sym("ompi_mpi_info_null"),
    REQUEST_NULL: sym("ompi_request_null"),
    MESSAGE_NO_PROC: sym("ompi_message_no_proc"),
    types: typedKindsForMpi({
      int8: sym("ompi_mpi_int8_t"),
      uint8: sym("ompi_mpi_uint8_t"),
      int16: sym("ompi_mpi_int16_t"),
      uint16: sym("ompi_mpi_uint16_t"),
      int32: sym("ompi_mpi_int32_t"),
      uint32: sym("ompi_mpi_uint32_t"),
      int64: sym("ompi_mpi_int64_t"),
      uint64: sym("ompi_mpi_uint64_t"),
      float: sym("ompi_mpi_float"),
      double: sym("ompi_mpi_double"),
      byte: sym("ompi_mpi_byte"),
    }),
    ops,
    statusBytes: 24,
    statusSource: 0,
    statusTag: 4,
    statusError: 8,
    statusCount: 16,
  };
}

/** A handle parameter: typed "u32" here (a number to TypeScript); `symbols` makes it the ABI's "i32" or "usize". */
const h = "u32";
/** The C functions spmd calls. */
const SYMBOLS = {
  MPI_Initialized: { parameters: ["buffer"], result: "i32" },
  MPI_Init: { parameters: ["pointer", "pointer"], result: "i32" },
  MPI_Finalized: { parameters: ["buffer"], result: "i32" },
  MPI_Finalize: { parameters: [], result: "i32" },
  MPI_Abort: { parameters: [h, "i32"], result: "i32" },
  MPI_Get_library_version: { parameters: ["buffer", "buffer"], result: "i32" },
  MPI_Error_string: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  MPI_Comm_rank: { parameters: [h, "buffer"], result: "i32" },
  MPI_Comm_size: { parameters: [h, "buffer"], result: "i32" },
  MPI_Comm_dup: { parameters: [h, "buffer"], result: "i32" },
  MPI_Comm_split: { parameters: [h, "i32", "i32", "buffer"], result: "i32" },
  MPI_Comm_set_errhandler: { parameters: [h, h], result: "i32" },
  MPI_Comm_get_attr: { parameters: [h, "i32", "buffer", "buffer"], result: "i32" },
  MPI_Send: { parameters: ["buffer", "i32", h, "i32", "i32", h], result: "i32" },
  MPI_Isend: { parameters: ["buffer", "i32", h, "i32", "i32", h, "buffer"], result: "i32" },
  MPI_Improbe: { parameters: ["i32", "i32", h, "buffer", "buffer", "buffer"], result: "i32" },
  MPI_Iprobe: { parameters: ["i32", "i32", h, "buffer", "buffer"], result: "i32" },
  MPI_Mrecv: { parameters: ["buffer", "i32", h, "buffer", "buffer"], result: "i32" },
  MPI_Get_count: { parameters: ["buffer", h, "buffer"], result: "i32" },
  MPI_Test: { parameters: ["buffer", "buffer", "pointer"], result: "i32" },
  MPI_Alloc_mem: { parameters: ["isize", h, "buffer"], result: "i32" },
  MPI_Free_mem: { parameters: ["pointer"], result: "i32" },
  MPI_Barrier: { parameters: [h], result: "i32" },
  // Shared windows (windows.ts): out-parameters (a new handle, a base pointer) and MPI_Win_free's MPI_Win* are buffers.
  MPI_Comm_split_type: { parameters: [h, "i32", "i32", h, "buffer"], result: "i32" },
  MPI_Comm_free: { parameters: ["buffer"], result: "i32" },
  MPI_Win_allocate_shared: { parameters: ["isize", "i32", h, h, "buffer", "buffer"], result: "i32" },
  MPI_Win_shared_query: { parameters: [h, "i32", "buffer", "buffer", "buffer"], result: "i32" },
  MPI_Win_set_errhandler: { parameters: [h, h], result: "i32" },
  MPI_Win_free: { parameters: ["buffer"], result: "i32" },
  MPI_Ibarrier: { parameters: [h, "buffer"], result: "i32" },
  // Collectives (native.ts). Buffers are "buffer" (a typed array or null: Deno passes it in a fast call, where
  // Deno.UnsafePointer.of costs about 0.2 us); each *_IP entry is the same function with MPI_IN_PLACE, a
  // "pointer", in the one place that takes it.
  MPI_Bcast: { parameters: ["buffer", "i32", h, "i32", h], result: "i32" },
  MPI_Reduce: { parameters: ["buffer", "buffer", "i32", h, h, "i32", h], result: "i32" },
  MPI_Reduce_IP: { name: "MPI_Reduce", parameters: ["pointer", "buffer", "i32", h, h, "i32", h], result: "i32" },
  MPI_Allreduce: { parameters: ["buffer", "buffer", "i32", h, h, h], result: "i32" },
  MPI_Allreduce_IP: { name: "MPI_Allreduce", parameters: ["pointer", "buffer", "i32", h, h, h], result: "i32" },
  MPI_Iallreduce_IP: {
    name: "MPI_Iallreduce",
    parameters: ["pointer", "buffer", "i32", h, h, h, "buffer"],
    result: "i32",
  },
  MPI_Reduce_local: { parameters: ["buffer", "buffer", "i32", h, h], result: "i32" },
  MPI_Scan: { parameters: ["buffer", "buffer", "i32", h, h, h], result: "i32" },
  MPI_Scan_IP: { name: "MPI_Scan", parameters: ["pointer", "buffer", "i32", h, h, h], result: "i32" },
  MPI_Exscan: { parameters: ["buffer", "buffer", "i32", h, h, h], result: "i32" },
  MPI_Exscan_IP: { name: "MPI_Exscan", parameters: ["pointer", "buffer", "i32", h, h, h], result: "i32" },
  MPI_Gather: { parameters: ["buffer", "i32", h, "buffer", "i32", h, "i32", h], result: "i32" },
  MPI_Gather_IP: { name: "MPI_Gather", parameters: ["pointer", "i32", h, "buffer", "i32", h, "i32", h], result: "i32" },
  MPI_Scatter: { parameters: ["buffer", "i32", h, "buffer", "i32", h, "i32", h], result: "i32" },
  MPI_Scatter_IP: {
    name: "MPI_Scatter",
    parameters: ["buffer", "i32", h, "pointer", "i32", h, "i32", h],
    result: "i32",
  },
  MPI_Allgather: { parameters: ["buffer", "i32", h, "buffer", "i32", h, h], result: "i32" },
  MPI_Allgather_IP: { name: "MPI_Allgather", parameters: ["pointer", "i32", h, "buffer", "i32", h, h], result: "i32" },
  MPI_Alltoall: { parameters: ["buffer", "i32", h, "buffer", "i32", h, h], result: "i32" },
  MPI_Alltoall_IP: { name: "MPI_Alltoall", parameters: ["pointer", "i32", h, "buffer", "i32", h, h], result: "i32" },
  // Nonblocking forms (native.ts polls them, yielding the core, so a collective never spins inside MPI while
  // ranks outnumber cores, and a deadline is seen): the request is the last argument.
  MPI_Ibcast: { parameters: ["buffer", "i32", h, "i32", h, "buffer"], result: "i32" },
  MPI_Ireduce: { parameters: ["buffer", "buffer", "i32", h, h, "i32", h, "buffer"], result: "i32" },
  MPI_Ireduce_IP: {
    name: "MPI_Ireduce",
    parameters: ["pointer", "buffer", "i32", h, h, "i32", h, "buffer"],
    result: "i32",
  },
  MPI_Iallreduce: { parameters: ["buffer", "buffer", "i32", h, h, h, "buffer"], result: "i32" },
  MPI_Iscan: { parameters: ["buffer", "buffer", "i32", h, h, h, "buffer"], result: "i32" },
  MPI_Iscan_IP: { name: "MPI_Iscan", parameters: ["pointer", "buffer", "i32", h, h, h, "buffer"], result: "i32" },
  MPI_Iexscan: { parameters: ["buffer", "buffer", "i32", h, h, h, "buffer"], result: "i32" },
  MPI_Iexscan_IP: { name: "MPI_Iexscan", parameters: ["pointer", "buffer", "i32", h, h, h, "buffer"], result: "i32" },
  MPI_Igather: { parameters: ["buffer", "i32", h, "buffer", "i32", h, "i32", h, "buffer"], result: "i32" },
  MPI_Igather_IP: {
    name: "MPI_Igather",
    parameters: ["pointer", "i32", h, "buffer", "i32", h, "i32", h, "buffer"],
    result: "i32",
  },
  MPI_Iscatter: { parameters: ["buffer", "i32", h, "buffer", "i32", h, "i32", h, "buffer"], result: "i32" },
  MPI_Iscatter_IP: {
    name: "MPI_Iscatter",
    parameters: ["buffer", "i32", h, "pointer", "i32", h, "i32", h, "buffer"],
    result: "i32",
  },
  MPI_Iallgather: { parameters: ["buffer", "i32", h, "buffer", "i32", h, h, "buffer"], result: "i32" },
  MPI_Iallgather_IP: {
    name: "MPI_Iallgather",
    parameters: ["pointer", "i32", h, "buffer", "i32", h, h, "buffer"],
    result: "i32",
  },
  MPI_Ialltoall: { parameters: ["buffer", "i32", h, "buffer", "i32", h, h, "buffer"], result: "i32" },
  MPI_Ialltoall_IP: {
    name: "MPI_Ialltoall",
    parameters: ["pointer", "i32", h, "buffer", "i32", h, h, "buffer"],
    result: "i32",
  },
} as const;

/** The function table for handles of FFI type `handle`. */
function symbols(handle: "i32" | "usize"): typeof SYMBOLS {
  const out: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(SYMBOLS)) {
    out[name] = { ...d, parameters: d.parameters.map((p) => p === h ? handle : p) };
  }
  return out as unknown as typeof SYMBOLS;
}

/** The loaded library's functions (handles as numbers). */
export type MpiSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** A loaded MPI library. */
export interface MpiLib {
  /** The ABI's values. */
  abi: Abi;
  /** The path it was loaded from. */
  path: string;
  /** Its functions. */
  fn: MpiSymbols;
  /** `MPI_Get_library_version`, first line. */
  version: string;
}

/** Library names tried by default, in order, with their ABI. */
const DEFAULT_ORDER: [string, "abi" | "mpich" | "ompi"][] = [
  ["libmpi_abi.so", "abi"],
  ["libmpich.so.12", "mpich"],
  ["libmpi.so.40", "ompi"],
];

/** The order to try: Open MPI first under Open MPI's launcher. */
function order(env: (k: string) => string | undefined): [string, "abi" | "mpich" | "ompi"][] {
  const underOmpi = env("OMPI_COMM_WORLD_SIZE") !== undefined || env("OMPI_COMM_WORLD_RANK") !== undefined;
  if (!underOmpi) return DEFAULT_ORDER;
  return [...DEFAULT_ORDER.filter((e) => e[1] === "ompi"), ...DEFAULT_ORDER.filter((e) => e[1] !== "ompi")];
}

function open(path: string, kind: "abi" | "mpich" | "ompi"): MpiLib {
  const abi = kind === "mpich" ? mpichAbi() : kind === "abi" ? standardAbi() : openMpiAbi(path);
  const lib = Deno.dlopen(path, symbols(abi.handle));
  const fn = lib.symbols as MpiSymbols;
  const buf = new Uint8Array(8192);
  const len = new Int32Array(1);
  fn.MPI_Get_library_version(buf, len);
  const version = new TextDecoder().decode(buf.subarray(0, Math.max(0, len[0]))).replaceAll("\0", "").split("\n")[0]
    .replace(/\s+/g, " ")
    .trim();
  return { abi, path, fn, version };
}

/** Tells a library's ABI from its exported symbols (for `SPMD_MPI_LIB`). */
function abiOf(path: string): "abi" | "mpich" | "ompi" {
  try {
    const lib = Deno.dlopen(path, { ompi_mpi_comm_world: { type: "u8", optional: true } });
    const ompi = lib.symbols.ompi_mpi_comm_world !== null;
    lib.close();
    if (ompi) return "ompi";
  } catch { /* reported when it is opened */ }
  return /abi/.test(path) ? "abi" : "mpich";
}

let loaded: MpiLib | undefined;

/**
 * Loads the MPI library once per process: `SPMD_MPI_LIB` when set, else
 * the first of the default names that opens. Throws an Error naming every
 * library tried and why each failed.
 */
export function loadMpi(env: (k: string) => string | undefined = (k) => Deno.env.get(k)): MpiLib {
  if (loaded !== undefined) return loaded;
  let ffi = "granted";
  try {
    ffi = Deno.permissions.querySync({ name: "ffi" }).state;
  } catch { /* older runtimes: try anyway */ }
  if (ffi !== "granted") {
    throw new Error(
      "the MPI backend calls the MPI library through FFI, which is not allowed: run with deno run -A " +
        "(or --allow-ffi --allow-env --allow-read)",
    );
  }
  const named = env("SPMD_MPI_LIB");
  const tries: [string, "abi" | "mpich" | "ompi"][] = named ? [[named, abiOf(named)]] : order(env);
  const why: string[] = [];
  for (const [path, kind] of tries) {
    try {
      loaded = open(path, kind);
      return loaded;
    } catch (e) {
      why.push(`${path}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  throw new Error(
    `no MPI library could be loaded (${why.join("; ")}); install one (e.g. apt-get install libmpich-dev) ` +
      `or name it with SPMD_MPI_LIB`,
  );
}
