/**
 * Shared windows (window.ts) on the MPI backend: the window's memory is one
 * `MPI_Win_allocate_shared` block, all of it on the communicator's rank 0
 * (the other ranks ask for 0 bytes), which every rank maps and views
 * through `MPI_Win_shared_query(win, 0, ...)` as an ArrayBuffer
 * (`Deno.UnsafePointerView.getArrayBuffer`). The window's layout, locks
 * and one-sided calls are window.ts's, the same as on shared memory: they
 * are loads, stores and `Atomics` on those pages, never MPI RMA calls.
 *
 * - **One node only.** Shared memory needs every rank of the communicator
 *   on one node: the first window on a communicator asks
 *   `MPI_Comm_split_type(MPI_COMM_TYPE_SHARED)` (collective), and a
 *   communicator that spans nodes throws on every rank instead of hanging.
 * - **Memory ordering.** The window's synchronisation is `Atomics`
 *   read-modify-writes on the shared pages: sequentially consistent, a
 *   locked instruction on x86-64 (a full barrier), an acquire-release
 *   exclusive pair plus barrier on arm64. That is what `MPI_Win_sync` does
 *   in MPI's unified model (MPICH: a read-write barrier; Open MPI's
 *   osc/sm: `opal_atomic_mb`), so it is not called: it would add an FFI
 *   call to every synchronisation and order nothing more. Atomics work on
 *   this ArrayBuffer although it is not a SharedArrayBuffer: V8 emits the
 *   same atomic instructions for both; tests/programs/windows.ts counts
 *   every concurrent update from every process exactly.
 * - **Waiting** for a lock polls in the transport's wait loop (the job's
 *   deadline applies); `wake` has nothing to do.
 * - **Freeing** detaches the ArrayBuffer before `MPI_Win_free` unmaps the
 *   pages, so a typed array kept past `free()` is empty instead of a crash.
 *
 * @module
 */

import { unnamedError } from "../../errors.ts";
import { ANY_SOURCE, ANY_TAG } from "../../constants.ts";
import type { RecvOp } from "../matcher.ts";
import type { SharedMemory, WindowBlock, WindowBlockOptions } from "../transport.ts";
import type { SendOp } from "./_outbox.ts";
import type { MpiCalls } from "./_calls.ts";
import type { CommEntry, Comms } from "./_comms.ts";
import type { Handle } from "./lib.ts";

/** `MPI_COMM_TYPE_SHARED` by ABI name. */
const COMM_TYPE_SHARED: Record<string, number> = { "MPICH": 1, "Open MPI": 0, "MPI ABI": 221 };
/** Alignment of the block's start: a cache line. */
const ALIGN = 64;

/**
 * What of this rank uses memory of `buffer`: a send from it (`sends`, in flight) or a receive into it (`open`, not
 * done), in the words of the shared-memory backend's refusals; null when nothing does.
 */
export function inFlight(sends: readonly SendOp[], open: Iterable<RecvOp>, buffer: ArrayBufferLike): string | null {
  const s = sends.find((op) => op.bytes.buffer === buffer);
  if (s !== undefined) return `a send from this array to rank ${s.dest} (tag ${s.tag}) is still in flight`;
  for (const r of open) {
    if (r.done || r.into === null || r.into.buffer !== buffer) continue;
    const from = r.source === ANY_SOURCE ? "any rank" : `rank ${r.source}`;
    return `a receive into this array from ${from} (tag ${r.tag === ANY_TAG ? "ANY_TAG" : r.tag}) has not completed`;
  }
  return null;
}

/** Shared windows over `MPI_Win_allocate_shared`, for one rank. */
export class MpiWindows implements SharedMemory {
  readonly #mpi: MpiCalls;
  readonly #comms: Comms;
  readonly #using: (buffer: ArrayBufferLike) => string | null;
  /** Whether each communicator lies on one node, once asked. */
  readonly #oneNode = new WeakMap<CommEntry, boolean>();
  // Out-parameters: a handle or pointer (8 bytes), MPI_Aint size, int disp_unit.
  readonly #out = new Uint8Array(8);
  readonly #out32 = new Uint32Array(this.#out.buffer);
  readonly #ptr = new BigUint64Array(1);
  readonly #ptrBytes = new Uint8Array(this.#ptr.buffer);
  readonly #size = new Uint8Array(8);
  readonly #disp = new Uint8Array(4);

  /** Windows on the communicators of `comms`, through the calls `mpi`; `using` tells what uses a buffer (inFlight). */
  constructor(mpi: MpiCalls, comms: Comms, using: (buffer: ArrayBufferLike) => string | null) {
    this.#mpi = mpi;
    this.#comms = comms;
    this.#using = using;
  }

  /**
   * Collective over the communicator of `o.context`: rank 0 allocates
   * `o.bytes` (plus alignment), every rank maps rank 0's memory; rank 0
   * zeroes it before `o.share` lets the others use it. Throws on every rank
   * when the communicator spans nodes or rank 0's allocation fails.
   */
  windowBlock(o: WindowBlockOptions): WindowBlock {
    const mpi = this.#mpi;
    const abi = mpi.abi;
    const e = this.#comms.get(o.context, "allocateShared");
    if (!this.#onOneNode(e)) {
      throw new Error(
        "shared windows need all ranks of the communicator on one node, and this one spans several (use " +
          "comm.splitType(COMM_TYPE_SHARED) first, and allocate the window on the communicator it returns)",
      );
    }
    const ask = o.root ? o.bytes + ALIGN : 0;
    const rc = mpi.fn.MPI_Win_allocate_shared(BigInt(ask), 1, abi.INFO_NULL, e.handle, this.#ptrBytes, this.#out);
    let win: Handle = 0;
    let bytes: Uint8Array | null = null;
    let why: string | null = rc === 0 ? null : `MPI_Win_allocate_shared of ${ask} bytes failed: ${mpi.errorString(rc)}`;
    if (why === null) {
      win = this.#handleOut();
      try {
        mpi.check(mpi.fn.MPI_Win_set_errhandler(win, abi.ERRORS_RETURN), "MPI_Win_set_errhandler");
        mpi.check(mpi.fn.MPI_Win_shared_query(win, 0, this.#size, this.#disp, this.#ptrBytes), "MPI_Win_shared_query");
        const base = this.#ptr[0];
        const skip = Number((BigInt(ALIGN) - (base % BigInt(ALIGN))) % BigInt(ALIGN));
        const p = Deno.UnsafePointer.create(base);
        if (p === null) throw new Error("MPI_Win_shared_query gave rank 0's memory as a null pointer");
        bytes = new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(p, o.bytes + skip), skip, o.bytes);
        if (o.root) bytes.fill(0);
      } catch (err) {
        why = (err as Error).message;
      }
    }
    // Rank 0 has zeroed the block (or failed) before any rank goes on; the others' own failures are theirs.
    const root = o.share(o.root ? (why ?? 0) : 0);
    if (typeof root === "string") why = `on rank 0: ${root}`;
    if (why !== null) throw new Error(why);
    const view = bytes!;
    // using: a send from the window or a receive into it that has not completed (window.ts then refuses free()).
    const block = { bytes: view, free: () => this.#free(win, view), using: () => this.#using(view.buffer) };
    return block;
  }

  /** Nothing to do: a rank waiting for a lock polls. */
  wake(_r: number): void {}

  /** True when every rank of `e` shares this rank's node (asked once per communicator; collective then). */
  #onOneNode(e: CommEntry): boolean {
    let one = this.#oneNode.get(e);
    if (one !== undefined) return one;
    const mpi = this.#mpi;
    const type = COMM_TYPE_SHARED[mpi.abi.name];
    if (type === undefined) return true; // an ABI this file does not know: MPI_Win_allocate_shared will say
    mpi.check(mpi.fn.MPI_Comm_split_type(e.handle, type, 0, mpi.abi.INFO_NULL, this.#out), "MPI_Comm_split_type");
    const node = this.#handleOut();
    const n = mpi.commSize(node);
    this.#handleIn(node);
    mpi.check(mpi.fn.MPI_Comm_free(this.#out), "MPI_Comm_free");
    one = n === mpi.commSize(e.handle);
    this.#oneNode.set(e, one);
    return one;
  }

  /** Detaches the view (a kept typed array becomes empty), then `MPI_Win_free` (collective). */
  #free(win: Handle, view: Uint8Array): void {
    const buf = view.buffer as ArrayBuffer;
    if (buf.detached) throw unnamedError("the window's memory was freed already", "MPI_ERR_WIN");
    buf.transfer(0);
    this.#handleIn(win);
    this.#mpi.check(this.#mpi.fn.MPI_Win_free(this.#out), "MPI_Win_free");
  }

  /** The handle an out-parameter call wrote into `#out`. */
  #handleOut(): Handle {
    const o = this.#out32;
    return this.#mpi.abi.handleBytes === 4 ? o[0] | 0 : o[0] + o[1] * 0x100000000;
  }

  /** Writes handle `h` into `#out`, for a call that takes a pointer to one. */
  #handleIn(h: Handle): void {
    const o = this.#out32;
    if (this.#mpi.abi.handleBytes === 4) {
      o[0] = h >>> 0;
    } else {
      o[0] = h % 0x100000000;
      o[1] = Math.floor(h / 0x100000000);
    }
  }
}
