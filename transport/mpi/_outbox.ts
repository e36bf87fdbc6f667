// The sending side of the MPI backend: MPI_Send from the caller's memory up
// to the eager size; above it (or for a tag that needs a header) a copy of
// ours goes out with MPI_Isend, tested by later calls, so a blocking send
// never waits for its receive. `isend` hands the caller's memory to MPI as
// it is.

import { unnamedError } from "../../errors.ts";
import type { Leftover, PendingOp } from "../transport.ts";
import { isTypedKind } from "../typed.ts";
import { type Comms, EXTENDED_HEADER, extendedTag, mpiTag } from "./_comms.ts";
import type { MpiCalls } from "./_calls.ts";

/** A send in flight: `MPI_Isend`'s request and the bytes it sends from (kept alive until it completes). */
export class SendOp implements PendingOp {
  done = false;
  readonly req = new Uint8Array(8);
  constructor(
    readonly bytes: Uint8Array,
    readonly dest: number,
    readonly tag: number,
    readonly context: number,
  ) {}
}

/** The sends of one rank. */
export class MpiOutbox {
  readonly #mpi: MpiCalls;
  readonly #comms: Comms;
  readonly #tagLimit: number;
  readonly #eager: number;
  /** Sends in flight, oldest first. */
  readonly sends: SendOp[] = [];

  constructor(mpi: MpiCalls, comms: Comms, tagLimit: number, eager: number) {
    this.#mpi = mpi;
    this.#comms = comms;
    this.#tagLimit = tagLimit;
    this.#eager = eager;
  }

  /** Standard-mode send: returns once `bytes` may be reused. */
  send(kind: number, bytes: Uint8Array, dest: number, tag: number, context: number): void {
    const e = this.#comms.get(context, "send");
    const to = e.toLocal === null ? dest : e.toLocal[dest];
    const t = mpiTag(tag, context, kind, this.#tagLimit);
    if (t >= 0 && bytes.byteLength <= this.#eager) { // byteLength: Maglev misreads a length of 2^31 or more
      this.#mpi.send(bytes, to, t, e.handle);
      return;
    }
    // Larger: a copy of ours goes out with MPI_Isend, progressed by later calls.
    const own = t < 0 ? extended(kind, bytes, tag) : isTypedKind(kind) ? bytes.slice() : bytes;
    this.#start(own, to, t < 0 ? extendedTag(context) : t, dest, tag, context);
  }

  /** Starts a send from `bytes` as they are. */
  isend(kind: number, bytes: Uint8Array, dest: number, tag: number, context: number): SendOp {
    const e = this.#comms.get(context, "isend");
    const to = e.toLocal === null ? dest : e.toLocal[dest];
    const t = mpiTag(tag, context, kind, this.#tagLimit);
    if (t < 0) return this.#start(extended(kind, bytes, tag), to, extendedTag(context), dest, tag, context);
    return this.#start(bytes, to, t, dest, tag, context);
  }

  #start(bytes: Uint8Array, to: number, t: number, dest: number, tag: number, ctx: number): SendOp {
    checkCount(bytes.byteLength);
    const op = new SendOp(bytes, dest, tag, ctx);
    this.#mpi.isend(bytes, to, t, this.#comms.get(ctx, "isend").handle, op.req);
    this.sends.push(op);
    return op;
  }

  /** Tests the sends in flight; true if any completed. */
  progress(): boolean {
    const s = this.sends;
    if (s.length === 0) return false;
    let moved = false;
    let j = 0;
    for (let i = 0; i < s.length; i++) {
      const op = s[i];
      if (!op.done && this.#mpi.test(op.req)) {
        op.done = true;
        moved = true;
      }
      if (!op.done) s[j++] = op;
    }
    s.length = j;
    return moved;
  }

  /** True when a send in flight uses memory of `buffer`. */
  uses(buffer: ArrayBufferLike): boolean {
    return this.sends.some((s) => s.bytes.buffer === buffer);
  }

  /** The sends still in flight, as leftovers of rank `me`. */
  leftovers(me: number): Leftover[] {
    return this.sends.map((op) => ({
      source: me,
      dest: op.dest,
      tag: op.tag,
      context: op.context,
      bytes: op.bytes.length,
      whole: false,
    }));
  }
}

/** Throws MPI_ERR_COUNT for a message of `n` bytes, past MPI's int count. */
function checkCount(n: number): void {
  if (n > 0x7fffffff) {
    throw unnamedError(`a message of ${n} bytes is over MPI's count limit (2^31 - 1)`, "MPI_ERR_COUNT");
  }
}

/** `bytes` behind the header that carries a tag too large for the MPI tag (checked first: no copy past the limit). */
function extended(kind: number, bytes: Uint8Array, tag: number): Uint8Array {
  // byteLength, not length: V8's Maglev gets comparisons and sums with a typed array's length of 2^31 or more wrong.
  checkCount(EXTENDED_HEADER + bytes.byteLength);
  const out = new Uint8Array(EXTENDED_HEADER + bytes.byteLength);
  const h = new Int32Array(out.buffer, 0, 2);
  h[0] = tag;
  h[1] = kind;
  out.set(bytes, EXTENDED_HEADER);
  return out;
}
