// Point-to-point inside collectives: communicator ranks, the collective
// context (communicator context + 1, so collective traffic never matches a
// user receive), and one tag per collective so that mismatched collectives
// wait on different tags instead of exchanging each other's data.
//
// Reductions accept any of their own tags from a known partner instead (a
// pair of ranks exchanges its messages in order, so the next one from the
// partner is this step's): the tag says what arrived (data of which
// typed-array kind, a header, or a poison marker), so inputs that disagree
// between ranks are detected from the messages the algorithm sends anyway.

import { ANY_TAG } from "../constants.ts";
import { SpmdError } from "../errors.ts";
import { checkInto, isendValue, sendValue, valueOf } from "../_message.ts";
import { decode, encode } from "../transport/codec.ts";
import { isTypedKind } from "../transport/typed.ts";
import { callCode, type CallName, collectiveContext, collectiveTagName } from "../transport/calls.ts";
import type { Incoming, NativeCollectives, PendingOp, Transport } from "../transport/transport.ts";
import type { Slots } from "../transport/slots.ts";
import type { TraceRecorder } from "../transport/trace.ts";

/** What a collective needs of its communicator (a `Comm` is one). */
export interface CollInit {
  /** The backend. */
  readonly transport: Transport;
  /** Context of the communicator's point-to-point traffic (collectives use the next one). */
  readonly context: number;
  /** This rank in the communicator. */
  readonly rank: number;
  /** Size of the communicator. */
  readonly size: number;
  /** World rank of communicator rank `r`. */
  worldRank(r: number): number;
}

/** A communicator seen by a collective algorithm. */
export class Coll {
  /** This rank in the communicator. */
  readonly rank: number;
  /** Size of the communicator. */
  readonly size: number;
  /** Name of the public call, for errors. */
  call = "";
  /** Its code (transport/calls.ts), for the slots' headers; set with `call` by `named`. */
  code = -1;
  /** Tag of the message that the last `recvAccepting` / `recvIntoAny` took (−1 if it could not be read). */
  lastTag = -1;
  /** Context of the communicator's point-to-point traffic. */
  readonly context: number;
  /** The backend's shared-memory collective slots when this communicator spans every rank of the job, else null. */
  readonly slots: Slots | null;
  /** The backend's own collectives (MPI's), or null. */
  readonly native: NativeCollectives | null;
  /** The trace recorder when the job is traced (algorithms are noted in it), else null. */
  readonly trace: TraceRecorder | null;
  readonly #t: Transport;
  readonly #comm: CollInit;
  readonly #ctx: number;
  #scratch = new ArrayBuffer(0);

  /** Wraps a communicator for its collectives. */
  constructor(comm: CollInit) {
    this.#comm = comm;
    this.#t = comm.transport;
    this.#ctx = collectiveContext(comm.context);
    this.rank = comm.rank;
    this.size = comm.size;
    this.context = comm.context;
    this.slots = comm.transport.slots !== null && comm.size === comm.transport.size ? comm.transport.slots : null;
    this.native = comm.transport.native ?? null;
    this.trace = comm.transport.trace ?? null;
  }
  /** Names this collective's calls `call` (and looks up its code only when the call changes). */
  named(call: string): this {
    if (call !== this.call) {
      this.call = call;
      this.code = callCode(call as CallName);
    }
    return this;
  }

  /**
   * Records this call (`call`, rooted at `root` or −1) in the rank's
   * activity block, as the public call does on entry: for a fast path that
   * begins unrecorded and finds it must wait. Pair with {@linkcode Coll.leave}.
   */
  enter(root: number): void {
    this.#t.enter(this.code, root, -1, this.#ctx);
  }

  /** Ends what {@linkcode Coll.enter} recorded. */
  leave(): void {
    this.#t.leave();
  }

  /** World rank of communicator rank `r`. */
  worldRank(r: number): number {
    return this.#comm.worldRank(r);
  }

  /** Sends to communicator rank `dest`. */
  send(value: unknown, dest: number, tag: number): void {
    sendValue(this.#t, value, this.#comm.worldRank(dest), tag, this.#ctx, this.call);
  }

  /** Starts a send. */
  isend(value: unknown, dest: number, tag: number): PendingOp {
    return isendValue(this.#t, value, this.#comm.worldRank(dest), tag, this.#ctx, this.call);
  }

  /** Receives from communicator rank `src`. */
  recv(src: number, tag: number): unknown {
    return valueOf(this.#t.recv(this.#comm.worldRank(src), tag, this.#ctx), this.call);
  }

  /** Receives the next collective message from `src` whatever its tag; returns it with its tag. */
  recvAnyTag(src: number): { value: unknown; tag: number } {
    const m = this.#t.recv(this.#comm.worldRank(src), ANY_TAG, this.#ctx);
    return { value: valueOf(m, this.call), tag: m.tag };
  }

  /**
   * Receives the next collective message from `src` if `accept` takes its
   * tag (left in `lastTag`). A message of another collective is left in
   * place and this waits for tag `own` instead, so that mismatched
   * collectives block, and are reported, as with a plain receive.
   */
  recvAccepting(src: number, own: number, accept: (tag: number) => boolean): unknown {
    const w = this.#comm.worldRank(src);
    const found = this.#t.probe(w, ANY_TAG, this.#ctx).tag;
    const m = this.#t.recv(w, accept(found) ? found : own, this.#ctx);
    this.lastTag = m.tag;
    return valueOf(m, this.call);
  }

  /**
   * Receives the next collective message from `src`, whatever its tag (left
   * in `lastTag`), into `buf`; returns its byte count, or −1 (and `lastTag`
   * −1) when it was not a typed array or did not fit. The message is
   * consumed either way, so the exchange pattern stays in step.
   */
  recvIntoAny(buf: ArrayBufferView, src: number): number {
    const m = this.#t.recvInto(buf, this.#comm.worldRank(src), ANY_TAG, this.#ctx);
    if (!isTypedKind(m.kind) || m.length > buf.byteLength) {
      this.lastTag = -1;
      return -1;
    }
    this.lastTag = m.tag;
    return m.length;
  }

  /** Receives into a typed array; returns the byte count. */
  recvInto(buf: ArrayBufferView, src: number, tag: number): number {
    const m = this.#t.recvInto(buf, this.#comm.worldRank(src), tag, this.#ctx);
    checkInto(m, buf, this.call);
    return m.length;
  }

  /** Starts a receive into a typed array (complete it with `waitInto`). */
  irecvInto(buf: ArrayBufferView, src: number, tag: number): PendingOp {
    return this.#t.irecv(this.#comm.worldRank(src), tag, this.#ctx, buf);
  }

  /** Waits for a pending send. */
  wait(op: PendingOp): void {
    this.#t.wait(op);
  }

  /** Waits for a receive started by `irecvInto(buf, ...)`. */
  waitInto(op: PendingOp, buf: ArrayBufferView): void {
    checkInto(this.#t.wait(op)!, buf, this.call);
  }

  /**
   * Sends to `dest` and receives from `src` at once. A blocking send is
   * enough: while it waits for ring space it drains every incoming ring,
   * so two ranks exchanging large messages do not deadlock.
   */
  sendrecv(value: unknown, dest: number, src: number, tag: number): unknown {
    this.send(value, dest, tag);
    return this.recv(src, tag);
  }

  /**
   * A typed view of `n` elements of this communicator's scratch memory
   * (reused by every call: allocating a typed array costs about 0.3-0.6 µs
   * in Deno, more than a small message's whole trip).
   */
  scratch<A extends ArrayBufferView>(like: A, n: number): A {
    const bpe = (like as unknown as Float64Array).BYTES_PER_ELEMENT;
    if (this.#scratch.byteLength < n * bpe) {
      this.#scratch = new ArrayBuffer(Math.max(n * bpe, 2 * this.#scratch.byteLength));
    }
    const ctor = like.constructor as new (b: ArrayBuffer, o: number, n: number) => A;
    return new ctor(this.#scratch, 0, n);
  }

  /** An error of this collective. */
  error(message: string, code = "MPI_ERR_ARG"): SpmdError {
    return new SpmdError(`${this.call}: ${message}`, code);
  }

  /** The error for a message of another collective (tag `tag` from `src`) where this one expected its own. */
  mismatch(src: number, tag: number): SpmdError {
    const what = tag < 0 ? "a message that is not a typed array" : `a ${collectiveTagName(tag)} message`;
    return this.error(`expected a ${this.call} message from rank ${src}, got ${what}: mismatched collectives`);
  }

  // ---- raw typed bytes, for the buffer calls (`_into*.ts`): no encoding, nothing allocated here ----

  /** Sends `bytes` to `dest` as a typed-array message of kind `kind` (a code from transport/typed.ts). */
  sendBytes(kind: number, bytes: Uint8Array, dest: number, tag: number): void {
    this.#t.send(kind, bytes, this.#comm.worldRank(dest), tag, this.#ctx);
  }

  /**
   * Receives the next message from `src` with `tag` (ANY_TAG: whatever `src`
   * sent next) into `into` when it is typed and fits; returns it unchecked.
   */
  recvBytes(into: Uint8Array, src: number, tag: number): Incoming {
    return this.#t.recvInto(into, this.#comm.worldRank(src), tag, this.#ctx);
  }

  /** Waits for a receive started by `irecvInto`; returns the message unchecked. */
  waitBytes(op: PendingOp): Incoming {
    return this.#t.wait(op)!;
  }
}

/**
 * A copy of a value that the caller may modify without touching the input:
 * what a receiver of `v` gets. It rejects, with the error of a send naming
 * `call`, what a send rejects (functions, symbols, values that cannot be
 * cloned), so that a collective on one rank fails as it would on several.
 */
export function copyValue<T>(v: T, call = "copy"): T {
  if (ArrayBuffer.isView(v)) {
    if (v instanceof DataView) return new DataView(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)) as T;
    return copyTyped(v as unknown as Float64Array) as T;
  }
  const t = typeof v;
  if (v === null || t === "number" || t === "string" || t === "boolean" || t === "undefined" || t === "bigint") {
    return v;
  }
  const { kind, bytes } = encode(v, call);
  return decode(kind, bytes) as T;
}

/** Throws, naming `call`, if a send would reject `v` (checks a value that one rank keeps without copying). */
export function checkSendable(v: unknown, call: string): void {
  encode(v, call);
}

/** A fresh copy of a typed array (`new` + `set`: about twice as fast as `slice` in Deno). */
export function copyTyped<A extends ArrayBufferView>(a: A): A {
  const ctor = a.constructor as new (n: number) => A;
  const out = new ctor((a as unknown as Float64Array).length);
  (out as unknown as Float64Array).set(a as unknown as Float64Array);
  return out;
}
