/**
 * The backend interface: what a communicator needs from whatever carries
 * its bytes. It is written so that a second backend — MPI over Deno FFI —
 * can be built from this file alone.
 *
 * ## What a backend does
 * A backend moves already-encoded messages between the world ranks of one
 * job and matches them as MPI does. Everything above it is shared by every
 * backend and is not its business: turning values into bytes and back
 * (`codec.ts`), checking arguments, translating communicator ranks to world
 * ranks, and the wording of errors (`comm.ts`, `request.ts`,
 * `collectives/`). A backend never sees a JavaScript value other than bytes,
 * a number, or a caller's typed array to receive into.
 *
 * - **Messages.** A message is an envelope — source, tag, context — plus a
 *   `kind` (a small integer from `codec.ts`: typed-array kinds 1–13, a
 *   number, a string, a structured clone, ...) and payload bytes. A backend
 *   carries the kind beside the payload (the shared-memory backend puts it
 *   in the frame header; an MPI backend would send a small header or use
 *   one MPI datatype per kind) and gives it back on receipt.
 * - **Matching.** A receive names a source (or `ANY_SOURCE`, −2), a tag (or
 *   `ANY_TAG`, −1) and a context; it takes the oldest message that matches.
 *   Messages from one sender with one tag and context never overtake each
 *   other. A context is an integer naming a communicator's traffic
 *   (`calls.ts`: 2n for point-to-point, 2n + 1 for collectives); an MPI
 *   backend maps each context to an `MPI_Comm` (dup'ed from
 *   `MPI_COMM_WORLD` once per context) and keeps tags as they are.
 * - **Internal tags and synchronous sends.** Tags below 0 are spmd's own
 *   (users' are 0..TAG_UB): `ANY_TAG` never matches them. A kind with the
 *   `SYNC` bit (`_probe.ts`) is a message of `ssend`: the backend carries
 *   the kind as it is, clears the bit on arrival (setting
 *   {@linkcode Incoming.sync}), and when the message matches a receive —
 *   a posted one as it arrives, or a receive or matched probe taking it
 *   later — starts an empty send back to its sender on tag
 *   `ackTag(tag)` of the same context, without waiting for it
 *   (`acknowledger` in `_probe.ts`; an inbox calls it).
 * - **Standard-mode sends.** `send` returns once the bytes are copied out:
 *   it may wait for buffer space but never for the matching receive, and
 *   while it waits it keeps receiving, so two ranks sending to each other
 *   at once do not deadlock. Typed-array payloads may view the caller's
 *   memory: `isend` must not need them after its op completes.
 * - **Received payloads.** {@linkcode Incoming.value} holds a typed-array
 *   message as a typed array of its kind (freshly allocated, or the
 *   caller's buffer for `recvInto` when it fits), a number message as the
 *   number; other kinds leave their bytes in {@linkcode Incoming.bytes} for
 *   the codec to decode above.
 * - **Errors.** A backend throws `SpmdError`s made with `unnamedError`
 *   (errors.ts) — the layer above prefixes the public call's name — or
 *   `AbortedError` when the job is being stopped. It never throws for a
 *   message's contents: a message of the wrong kind or size for `recvInto`
 *   is consumed and returned, and the caller words the error.
 * - **Memory for messages** (`alloc`/`free`, MPI's `MPI_Alloc_mem`/
 *   `MPI_Free_mem`). `alloc(bytes)` returns a byte view of memory the
 *   backend can send from without an intermediate copy — at least 8-byte
 *   aligned (the shared-memory backend: 64), so a typed array of any element
 *   type can be laid over it — or throws an `unnamedError` (MPI_ERR_NO_MEM)
 *   that names the request and the limit. `free(view)` takes the very view
 *   `alloc` returned, once, and throws (MPI_ERR_BUFFER) for anything else (a
 *   subarray, another view of the block, a second free), or while a send
 *   from the block or a receive into it is still in flight. The
 *   shared-memory backend carves blocks from a heap every rank can read
 *   (heap.ts) and sends large payloads found there by rendezvous: the
 *   receiver copies them straight from the sender's heap (rendezvous.ts).
 *   An MPI backend would call `MPI_Alloc_mem` and view the pointer with
 *   `Deno.UnsafePointerView.getArrayBuffer`. Sends of such memory keep the
 *   standard-mode rule above.
 * - **Activity.** Every public call that may block is bracketed by `enter`
 *   (with a call code from `calls.ts`) and `leave`: the one place where what
 *   a rank is doing is recorded, for failure reports and a trace.
 * - **The end.** `finalize` completes what can be completed and returns
 *   what never will be (messages never received, receives never waited
 *   for), for the launcher's report; it never waits for a rank that ended.
 *
 * @module
 */

import type { Slots } from "./slots.ts";
import type { TraceRecorder } from "./trace.ts";

/** An operation in flight (a send or a receive). Opaque outside the backend. */
export interface PendingOp {
  /** True once the operation has completed. */
  readonly done: boolean;
}

/** The envelope of a message found by a probe. */
export interface Envelope {
  /** Sender (world rank). */
  readonly source: number;
  /** Tag. */
  readonly tag: number;
  /** Kind code (codec.ts). */
  readonly kind: number;
  /** Payload length in bytes. */
  readonly length: number;
}

/** A received message, complete. */
export interface Incoming extends Envelope {
  /** True when it was sent by `ssend` (its kind carried `SYNC`, _probe.ts): the layer above acknowledges it. */
  readonly sync: boolean;
  /** Typed kinds: the typed array holding the payload; a number message: the number; else undefined. */
  readonly value: unknown;
  /** Other kinds: the payload bytes (null when they were discarded, e.g. by a `recvInto` that did not fit). */
  readonly bytes: Uint8Array | null;
  /** True when `value` and `bytes` view memory the backend reuses: a typed `value` must be copied before it is handed on. */
  readonly slab?: boolean;
}

/**
 * A message that will never be received, or a receive that was started and
 * never completed (`bytes` −1 when it matched nothing), found when a rank
 * finalizes.
 */
export interface Leftover {
  /** Sender (world rank). */
  source: number;
  /** Receiver (world rank). */
  dest: number;
  /** Tag. */
  tag: number;
  /** Context id (odd: a collective's traffic). */
  context: number;
  /** Payload size in bytes; −1 for a receive that was started and matched no message. */
  bytes: number;
  /** False when only part of the payload had moved. */
  whole: boolean;
}

/** A message taken out of matching by a matched probe ({@linkcode Matching.improbe}). */
export interface Probed {
  /** Its envelope. */
  readonly envelope: Envelope;
  /** A receive bound to it: `wait`/`test` complete it as a receive from `irecv`. */
  readonly op: PendingOp;
}

/**
 * Matched probes and cancellation, on a backend's matching engine (both
 * backends match in spmd's own matcher.ts; transport/_probe.ts does it).
 */
export interface Matching {
  /**
   * Withdraws the receive `op` (from `irecv`) if no message has matched it
   * yet: true. False when it has matched (it completes normally) or is a
   * send.
   */
  cancel(op: PendingOp): boolean;
  /**
   * Non-blocking matched probe: makes progress, then takes the oldest
   * matching message out of matching — no receive can match it any more —
   * bound to a receive op; null when none has arrived.
   */
  improbe(source: number, tag: number, context: number): Probed | null;
}

/**
 * Memory shared by the ranks of a communicator, which shared windows
 * (window.ts) are laid over: on shared memory a block of the root's heap,
 * on the MPI backend an `MPI_Win_allocate_shared` window.
 */
export interface SharedMemory {
  /**
   * Makes a window's memory, collectively over the communicator of context
   * `context`: `bytes` bytes (the same on every member) that every member
   * reads and writes; returns this member's view of the whole block.
   * `share` passes a value from the root (communicator rank 0, world rank
   * `rootWorld`) to every member. Throws on every member when it fails.
   */
  windowBlock(options: WindowBlockOptions): WindowBlock;
  /** Wakes world rank `r` if it sleeps in a wait (it may wait for what this rank just released). */
  wake(r: number): void;
}

/** Arguments of {@linkcode SharedMemory.windowBlock}. */
export interface WindowBlockOptions {
  /** The communicator's context id. */
  context: number;
  /** True on the communicator's rank 0. */
  root: boolean;
  /** World rank of the communicator's rank 0. */
  rootWorld: number;
  /** Bytes of the block (the same on every member). */
  bytes: number;
  /** The communicator's broadcast from its rank 0 (a number or an error message). */
  share(value: number | string): number | string;
}

/** The memory of one window, as one member sees it. */
export interface WindowBlock {
  /** The whole block, zeroed when made. */
  readonly bytes: Uint8Array;
  /** Frees the block (collective: every member calls it, after a barrier). */
  free(): void;
  /** What of this member still uses the block (a send from it or a receive into it in flight), or null. */
  using?(): string | null;
}

/** Moves on every op of a transport's `background` set; the ones done leave it. */
export function driveBackground(ops: Set<PendingOp>): void {
  for (const op of ops) if (op.done) ops.delete(op);
}

/** A backend that carries messages between the ranks of one job. */
export interface Transport {
  /** This rank in the world. */
  readonly rank: number;
  /** Number of ranks in the world. */
  readonly size: number;
  /** True once the job has ended for this rank; every call then throws. */
  readonly closed: boolean;
  /**
   * Shared-memory collective slots (slots.ts) for communicators that span
   * every rank, or null when the backend has none (collectives then run on
   * point-to-point messages; an MPI backend would call its library's own).
   */
  readonly slots: Slots | null;
  /**
   * The library's own collectives (the MPI backend's, see
   * {@linkcode NativeCollectives}), used for typed arrays with built-in ops;
   * absent on shared memory.
   */
  readonly native?: NativeCollectives | null;
  /** Matched probes and cancelled receives. */
  readonly matching: Matching;
  /**
   * Pending ops that every blocking wait of this rank also drives (reading
   * `done` moves them on; done ones leave the set): the nonblocking
   * collectives in flight, so that a rank blocked in any call progresses
   * them, as MPI's progress rule requires. Absent on a backend that cannot.
   */
  readonly background?: Set<PendingOp>;
  /** Memory that every rank can read and write, for shared windows (window.ts); absent where there is none. */
  readonly shared?: SharedMemory | null;
  /** The trace recorder when the job is traced (trace.ts); absent or null otherwise. */
  readonly trace?: TraceRecorder | null;
  /**
   * Called on every rank of communicator `parent` (a context id) when
   * `split` (`color` a number, `UNDEFINED` negative) or `dup` (`color`
   * null) makes communicator `context`, whose members' world ranks are
   * `members` in rank order (null on a rank `split` leaves out). A backend
   * that keeps a communicator per context (MPI) makes it here; absent
   * otherwise.
   */
  derive?(parent: number, context: number, color: number | null, key: number, members: readonly number[] | null): void;

  /**
   * Called (on this rank only) when `self()` makes communicator `context`
   * of this rank alone. A backend that keeps a communicator per context
   * (MPI: MPI_COMM_SELF) makes it here; absent otherwise.
   */
  deriveSelf?(context: number): void;

  /** Blocking standard-mode send of an encoded message. */
  send(kind: number, bytes: Uint8Array, dest: number, tag: number, context: number): void;
  /** The same for a message of kind `kind` whose payload is one float64 `x` (saves encoding a number). */
  sendNumber(x: number, kind: number, dest: number, tag: number, context: number): void;
  /** Starts a send; `bytes` must stay untouched until the op completes. */
  isend(kind: number, bytes: Uint8Array, dest: number, tag: number, context: number): PendingOp;
  /**
   * Optional fast path of `send` to another rank: sends at once and returns
   * true when that needs no wait (else false, having sent nothing), so that
   * the caller records the call in the activity block only when it may
   * block.
   */
  trySend?(kind: number, bytes: Uint8Array, dest: number, tag: number, context: number): boolean;
  /**
   * Optional fast path of `recvInto` from one rank: the matching message
   * when it can be taken at once or within a short poll (microseconds: a
   * wait that short is not recorded in the activity block), else null,
   * having taken nothing (the caller then records the call and waits in
   * `recvInto`). The record may be reused, as `recvInto`'s.
   */
  tryRecvInto?(into: ArrayBufferView, source: number, tag: number, context: number): Incoming | null;
  /** Blocking receive of the next matching message. */
  recv(source: number, tag: number, context: number): Incoming;
  /**
   * Blocking receive whose typed-array payload lands in `into` when it is
   * typed and fits (see Incoming). The record returned may be one the
   * endpoint reuses: read what you need of it before the next receive.
   */
  recvInto(into: ArrayBufferView, source: number, tag: number, context: number): Incoming;
  /** Starts a receive (into `into` when given, as `recvInto`). */
  irecv(source: number, tag: number, context: number, into: ArrayBufferView | null): PendingOp;
  /** Makes progress and reports whether `op` has completed. */
  test(op: PendingOp): boolean;
  /**
   * The error `op` would fail with if waited for, when it can never
   * complete (a receive from, or send to, a rank that has ended); null
   * while it may still complete. For waits that are not the backend's own:
   * `await request`, `waitAny` over several requests.
   */
  hopeless?(op: PendingOp): Error | null;
  /** Waits for `op`; returns the message for a receive, null for a send. */
  wait(op: PendingOp): Incoming | null;
  /** Non-blocking probe: the envelope of the oldest matching message, or null. */
  iprobe(source: number, tag: number, context: number): Envelope | null;
  /** Blocking probe. */
  probe(source: number, tag: number, context: number): Envelope;
  /** Allocates `bytes` bytes of send-ready memory (MPI_Alloc_mem); see the module doc. */
  alloc(bytes: number): Uint8Array;
  /** Returns the block of `view`, the very view `alloc` gave, to the backend (MPI_Free_mem). */
  free(view: ArrayBufferView): void;
  /** Stops the whole job with `code`; never returns. */
  abort(code: number, message: string): never;
  /** Records that an spmd call starts (only the outermost call is kept). */
  enter(call: number, peer: number, tag: number, context: number): void;
  /** Records that the call recorded by the matching `enter` has returned. */
  leave(): void;
  /**
   * Completes every pending send whose receiver still runs; after it the
   * transport is closed. Returns the messages that will never be received.
   * `exit` tells reports that the rank ended by `Deno.exit(0)`.
   */
  finalize(exit?: boolean): Leftover[];
}

/**
 * A backend's own collectives (MPI's, on the communicator of a context) for
 * typed data, so that its library's tuned algorithms run. The layer above
 * validates arguments and makes the ranks agree on them first (`agree`), so
 * these calls only move data. Buffers are passed as views of the caller's
 * memory; `null` as a send (or as the root's receive in `scatter`) means
 * IN_PLACE. Counts of data movement are bytes; reductions take a typed-array
 * kind (typed.ts) and a built-in op's name. A call throws an `unnamedError`
 * carrying the library's error string.
 */
export interface NativeCollectives {
  /** True when `reduce`, `allreduce` and `scan` combine elements of `kind` with built-in op `op` ("SUM", ...). */
  reduces(kind: number, op: string): boolean;
  /** The largest count (of bytes, or of elements) one call takes. */
  readonly maxCount: number;
  /**
   * Replaces `values` by their element-wise maximum over the ranks
   * (MPI_Allreduce with MPI_MAX). It waits as a receive does: it sees the
   * job's deadline and fails when a rank has finished without joining.
   */
  agree(context: number, values: Float64Array): void;
  /** MPI_Barrier, waiting as `agree` does (spmd's barrier runs `agree` instead: it also detects mismatched collectives). */
  barrier(context: number): void;
  /** MPI_Bcast of `buf`'s bytes from `root`. */
  bcast(context: number, buf: ArrayBufferView, root: number): void;
  /** MPI_Reduce of `count` elements into `recv` on `root` (null elsewhere). */
  reduce(
    context: number,
    send: ArrayBufferView | null,
    recv: ArrayBufferView | null,
    count: number,
    kind: number,
    op: string,
    root: number,
  ): void;
  /** MPI_Allreduce of `count` elements into `recv`. */
  allreduce(
    context: number,
    send: ArrayBufferView | null,
    recv: ArrayBufferView,
    count: number,
    kind: number,
    op: string,
  ): void;
  /** MPI_Scan (MPI_Exscan when `exclusive`) of `count` elements into `recv`. */
  scan(
    context: number,
    send: ArrayBufferView | null,
    recv: ArrayBufferView,
    count: number,
    kind: number,
    op: string,
    exclusive: boolean,
  ): void;
  /** MPI_Gather of `block` bytes per rank into `recv` on `root` (null elsewhere). */
  gather(
    context: number,
    send: ArrayBufferView | null,
    recv: ArrayBufferView | null,
    block: number,
    root: number,
  ): void;
  /** MPI_Scatter of `block` bytes per rank from `send` on `root` (null elsewhere); the root's `recv` null: IN_PLACE. */
  scatter(
    context: number,
    send: ArrayBufferView | null,
    recv: ArrayBufferView | null,
    block: number,
    root: number,
  ): void;
  /** MPI_Allgather of `block` bytes per rank. */
  allgather(context: number, send: ArrayBufferView | null, recv: ArrayBufferView, block: number): void;
  /** MPI_Alltoall of `block` bytes per pair of ranks. */
  alltoall(context: number, send: ArrayBufferView | null, recv: ArrayBufferView, block: number): void;
}
