/**
 * Shared-memory windows (MPI-3's `MPI_Win_allocate_shared` and one-sided
 * operations): `comm.allocateShared(Type, localLength)` gives every rank a
 * {@linkcode SharedWindow}, typed arrays over one block of memory that all
 * ranks of the communicator read and write directly — zero-copy data
 * sharing between ranks, which are threads of one process.
 *
 * ## Layout
 * The window's memory is one block that the backend gives (see Backends):
 * control words first (the locks), then the segments of ranks 0, 1, ...
 * contiguous, in rank order, as MPI lays out a shared window by default. `local` is this
 * rank's segment, `segment(r)` rank r's, `all` the whole data part. A send
 * of a segment (or any part of `all`) of 32 KiB or more is copied once, by
 * the receiver, straight from the window.
 *
 * ## Epochs and the memory model
 * As in MPI, one-sided calls (`put`, `get`, `accumulate`, `getAccumulate`,
 * `fetchAndOp`, `compareAndSwap`) need an access epoch on their target:
 * - `fence()` (collective) ends one epoch and opens the next: what any rank
 *   wrote to the window before its fence is seen by every rank after the
 *   fence. A fence opens an epoch only if a one-sided call follows it, so
 *   `lock`/`lockAll` may follow a fence that no call followed.
 * - `lock(r, { exclusive })` … `unlock(r)` (passive target): rank r's lock,
 *   shared (the default) or exclusive; what a rank wrote before `unlock(r)`
 *   is seen by the next rank that locks r.
 * - `lockAll()` … `unlockAll()`: a shared lock on every rank.
 * - `flush(r)` / `flushAll()` complete the calls to r (they complete at
 *   once here: one-sided calls are copies into shared memory) and make them
 *   visible to ranks that synchronise afterwards; `sync()` is MPI_Win_sync,
 *   a memory barrier for direct loads and stores of `local`, `segment(r)`
 *   and `all`.
 * Every synchronisation is an atomic read-modify-write on one shared word,
 * so what a rank wrote (through one-sided calls or directly) before a
 * synchronisation point happens-before what any rank reads after a later
 * one, in the sense of the JavaScript memory model: no data race.
 *
 * ## Atomicity
 * `accumulate`, `getAccumulate`, `fetchAndOp` and `compareAndSwap` are
 * atomic per element, as MPI requires, whoever calls them at once: lock-free
 * through `Atomics` on integer windows (Int8 … Uint32, BigInt64,
 * BigUint64); floating-point windows (and Uint8Clamped) serialise them with
 * a lock per target rank. `put` and `get` are plain copies: concurrent
 * puts to one element, or a put and an accumulate, leave it undefined, as
 * in MPI. Operands are converted to the window's element type first, as a
 * store (`put`) converts them (−1 into a Uint32 window is 4294967295, so
 * `MAX` with it gives that); a source that is part of the window is read
 * as it was before the call. Ops: the built-in ones (`SUM`, `PROD`, `MAX`, `MIN`, the logical
 * and bitwise ops on the types they apply to), `REPLACE` and `NO_OP`; MPI
 * allows no user ops in one-sided calls.
 *
 * ## Backends
 * - spmd's launcher: the block is in the heap of the communicator's rank 0
 *   (`comm.alloc`'s memory, so `--heap` bounds a window's total size).
 * - The MPI backend: an `MPI_Win_allocate_shared` window, all of it on the
 *   communicator's rank 0, which every process maps (transport/mpi/windows.ts).
 *   Its ranks must share a node: on a communicator that spans nodes every
 *   rank throws an `SpmdError` (MPI_ERR_COMM) advising
 *   `comm.splitType(COMM_TYPE_SHARED)` first. One-sided calls across nodes
 *   (`MPI_Win_allocate` + RMA) are not supported.
 * - A backend without memory shared by all ranks makes `allocateShared`
 *   throw an `SpmdError` saying so.
 *
 * @example
 * ```ts
 * import { SUM, world } from "@spmd/spmd";
 * import { ok } from "node:assert/strict";
 *
 * const comm = world();
 * const win = comm.allocateShared(Int32Array, comm.rank === 0 ? 1 : 0); // one counter, on rank 0
 * win.lockAll();
 * const ticket = win.fetchAndOp(1, 0, 0, SUM); // a unique ticket per rank
 * win.unlockAll();
 * const tickets = comm.allgather(ticket).sort((a, b) => a - b);
 * ok(tickets.every((t, i) => t === i)); // 0, 1, ..., size - 1
 * win.free();
 * ```
 *
 * @module
 */

import { describe, nameCall, SpmdError } from "./errors.ts";
import { isTypedArrayCtor, type NumericArray } from "./transport/typed.ts";
import type { Transport, WindowBlock } from "./transport/transport.ts";
import { callCode, collectiveContext } from "./transport/calls.ts";
import { controlWords, WindowLocks } from "./_window_sync.ts";
import { WindowAccess } from "./_window_access.ts";

/** @ignore What a window needs of its communicator (a `Comm` is one). */
export interface WindowComm {
  /** This rank in the communicator. */
  readonly rank: number;
  /** Ranks in the communicator. */
  readonly size: number;
  /** @ignore The backend. */
  readonly transport: Transport;
  /** @ignore The communicator's context id. */
  readonly context: number;
  /** @ignore World rank of communicator rank `r`. */
  worldRank(r: number): number;
  /** The communicator's barrier. */
  barrier(): void;
  /** The communicator's allgather. */
  allgather<T>(value: T): T[];
  /** The communicator's broadcast. */
  bcast<T>(value: T, root?: number): T;
  /** A duplicate (the window's own, which the user's `free()` of theirs leaves working, as in MPI). */
  dup(): WindowComm;
  /** Frees the communicator. */
  free(): void;
}

/**
 * A typed-array constructor that `allocateShared` takes: `Float64Array`,
 * `Int32Array`, `BigInt64Array`, ... (the window's element type).
 *
 * @example
 * ```ts
 * import { type WindowType, world } from "@spmd/spmd";
 * import { equal, ok } from "node:assert/strict";
 *
 * const Type: WindowType<Float32Array> = Float32Array;
 * const win = world().allocateShared(Type, 3);
 * ok(win.local instanceof Float32Array);
 * equal(win.local.length, 3);
 * win.free();
 * ```
 */
export type WindowType<A extends NumericArray> = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): A;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
};

/** Bytes of the control area, a whole number of cache lines. */
function controlBytes(size: number): number {
  return Math.ceil((controlWords(size) * 4) / 64) * 64;
}

/**
 * A shared-memory window (see the module doc): every rank's segment of one
 * block of shared memory, and one-sided operations on them. Made by
 * `comm.allocateShared`; freed by `free()` (collective). `local` is this
 * rank's segment; `segment(r)`, `all` and the one-sided calls
 * ({@linkcode WindowAccess}) reach the others'.
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * import { deepEqual } from "node:assert/strict";
 *
 * const comm = world();
 * const win = comm.allocateShared(Float64Array, 2);
 * win.local.set([comm.rank, 10 * comm.rank]);
 * win.fence(); // every rank's stores are now seen by every rank
 * const next = (comm.rank + 1) % comm.size;
 * deepEqual(win.segment(next), new Float64Array([next, 10 * next])); // read in place, no copy
 * win.free();
 * ```
 */
export class SharedWindow<A extends NumericArray = NumericArray> extends WindowAccess<A> {
  /** This rank's segment. */
  readonly local: A;
  /** The window's own duplicate of its communicator (MPI's windows keep one too: they outlive `comm.free()`). */
  readonly #comm: WindowComm;
  /** The context of the communicator the window was made on, which reports name. */
  readonly #context: number;
  readonly #block: WindowBlock;

  /** @ignore Windows are made by `comm.allocateShared`. */
  constructor(comm: WindowComm, all: A, starts: readonly number[], locks: WindowLocks, block: WindowBlock) {
    super(all, starts, locks);
    this.#context = comm.context;
    this.#comm = comm.dup();
    this.#block = block;
    this.local = this.segment(comm.rank);
  }

  /**
   * Ends the current epoch and starts the next (MPI_Win_fence; collective):
   * what every rank wrote to the window before its fence, directly or by
   * one-sided calls, is seen by every rank after it. A one-sided call after
   * a fence is in the fence's epoch until the next fence.
   *
   * @throws {SpmdError} `MPI_ERR_RMA_SYNC` while a lock or lockAll epoch is open on this rank; `MPI_ERR_WIN` if the window was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits for the others.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const win = comm.allocateShared(Int32Array, comm.size); // slot s of every segment is rank s's
   * win.fence();
   * for (let r = 0; r < comm.size; r++) win.put([comm.rank], r, comm.rank);
   * win.fence(); // the puts are complete and seen
   * deepEqual(win.local, Int32Array.from({ length: comm.size }, (_, i) => i));
   * win.free();
   * ```
   */
  fence(): void {
    this.checkFence("fence");
    const t = this.#comm.transport;
    this.sync();
    t.enter(callCode("fence"), -1, -1, collectiveContext(this.#context));
    try {
      this.#comm.barrier();
    } catch (e) {
      throw nameCall("fence", e);
    } finally {
      t.leave();
    }
    this.sync();
    this.fenced();
  }

  /**
   * Frees the window (MPI_Win_free; collective). Every rank must have
   * closed its lock epochs and completed the sends from the window's memory
   * and receives into it (else every rank throws, and the window stays);
   * the arrays must not be used afterwards, and every later call on the
   * window throws.
   *
   * @throws {SpmdError} `MPI_ERR_RMA_SYNC` while a lock or lockAll epoch is open on this rank; `MPI_ERR_BUFFER` (on every rank) if some rank's request still sends from or receives into the window; `MPI_ERR_WIN` if the window was freed already.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits for the others.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { throws } from "node:assert/strict";
   *
   * const win = world().allocateShared(Uint8Array, 16);
   * win.free();
   * throws(() => win.sync(), { code: "MPI_ERR_WIN" });
   * ```
   */
  free(): void {
    this.checkFree();
    const t = this.#comm.transport;
    t.enter(callCode("winFree"), -1, -1, collectiveContext(this.#context));
    try {
      this.sync();
      const each = this.#comm.allgather(this.#block.using?.() ?? null); // a barrier too
      const r = each.findIndex((why) => why !== null);
      if (r >= 0) {
        throw new SpmdError(`free: rank ${r}: ${each[r]}: wait for its request first`, "MPI_ERR_BUFFER");
      }
      this.#block.free();
      this.#comm.free();
    } catch (e) {
      throw nameCall("free", e);
    } finally {
      t.leave();
    }
    this.markFreed();
  }
}

/**
 * Allocates a shared window of `localLength` elements of `Type` on each rank
 * (MPI_Win_allocate_shared; collective: every rank passes the same `Type`,
 * lengths may differ and may be 0). Bad arguments on any rank throw the
 * same SpmdError on every rank.
 */
export function allocateShared<A extends NumericArray>(
  comm: WindowComm,
  Type: WindowType<A>,
  localLength: number,
): SharedWindow<A> {
  const call = "allocateShared";
  const t = comm.transport;
  let why: string | null = null;
  if (!isTypedArrayCtor(Type)) {
    why = `Type must be a typed-array constructor (Float64Array, Int32Array, BigInt64Array, ...), got ${
      describe(Type)
    }`;
  } else if (typeof localLength !== "number" || !Number.isSafeInteger(localLength) || localLength < 0) {
    why = `localLength must be a non-negative integer number of elements, got ${describe(localLength)}`;
  }
  const shared = t.shared ?? null;
  if (shared === null) {
    throw new SpmdError(
      `${call}: this backend has no memory that every rank can share (shared windows need spmd's launcher, or ` +
        `an MPI library on one node)`,
      "MPI_ERR_UNSUPPORTED_OPERATION",
    );
  }
  const name = why === null ? Type.name : "?";
  const each = comm.allgather([why, name, why === null ? localLength : 0] as const);
  for (let r = 0; r < each.length; r++) {
    if (each[r][0] !== null) throw new SpmdError(`${call}: rank ${r}: ${each[r][0]}`, "MPI_ERR_ARG");
  }
  const types = new Set(each.map((e) => e[1]));
  if (types.size > 1) {
    throw new SpmdError(
      `${call}: every rank must pass the same Type, got ${each.map((e, r) => `${e[1]} on rank ${r}`).join(", ")}`,
      "MPI_ERR_TYPE",
    );
  }
  const bpe = Type.BYTES_PER_ELEMENT;
  const starts: number[] = [0];
  for (const e of each) starts.push(starts[starts.length - 1] + (e[2] as number));
  const total = starts[starts.length - 1];
  const ctlBytes = controlBytes(comm.size);
  let block: WindowBlock;
  try {
    block = shared.windowBlock({
      context: comm.context,
      root: comm.rank === 0,
      rootWorld: comm.worldRank(0),
      bytes: ctlBytes + total * bpe,
      share: (v) => comm.bcast(v, 0),
    });
  } catch (e) {
    const message = (e as Error).message;
    const code = /one node|spans/.test(message) ? "MPI_ERR_COMM" : "MPI_ERR_NO_MEM";
    throw new SpmdError(`${call}: ${total} elements of ${Type.name}: ${message}`, code);
  }
  const at = block.bytes.byteOffset;
  const buf = block.bytes.buffer;
  const ctl = new Int32Array(buf, at, controlWords(comm.size));
  const all = new Type(buf, at + ctlBytes, total);
  const world = Array.from({ length: comm.size }, (_, r) => comm.worldRank(r));
  const locks = new WindowLocks(ctl, comm.size, comm.rank, world, t, shared);
  return new SharedWindow(comm, all, starts, locks, block);
}
