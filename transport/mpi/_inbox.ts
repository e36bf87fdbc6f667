// The receiving side of the MPI backend: messages are taken from MPI in
// arrival order (MPI_Improbe from a source, any tag) and matched by spmd's
// own matcher (matcher.ts), so wildcards and the non-overtaking rule mean
// what they mean on shared memory; a typed message for a posted `recvInto`
// lands in the caller's array with MPI_Mrecv, with no copy.

import { ANY_SOURCE } from "../../constants.ts";
import { KIND_NUMBER } from "../codec.ts";
import { Matcher, Message, moveInto, type RecvOp } from "../matcher.ts";
import type { OpenRecvs } from "../open_recvs.ts";
import { acknowledger, KIND_MASK, MatchingOps, type ProbeHost } from "../_probe.ts";
import type { Leftover } from "../transport.ts";
import { allocTyped, bytesOf, isTypedKind, KIND_DATAVIEW } from "../typed.ts";
import { type Comms, EXTENDED, EXTENDED_HEADER } from "./_comms.ts";
import type { MpiCalls } from "./_calls.ts";

/** The receives and unexpected messages of one rank. */
export class MpiInbox {
  readonly #mpi: MpiCalls;
  readonly #comms: Comms;
  readonly matcher: Matcher = new Matcher();
  readonly #num = new Float64Array(1);
  readonly #numBytes = new Uint8Array(this.#num.buffer);
  /** Sends the acknowledgement of a synchronous message that has matched (set by `matching`). */
  #ack: (m: Message) => void = () => {};

  constructor(mpi: MpiCalls, comms: Comms) {
    this.#mpi = mpi;
    this.#comms = comms;
  }

  /**
   * Takes the oldest message from `source` (world rank or ANY_SOURCE) on
   * `context`'s communicator out of MPI and matches it. False when MPI has
   * none.
   */
  pull(context: number, source: number): boolean {
    const e = this.#comms.get(context, "recv");
    const mpi = this.#mpi;
    const from = source === ANY_SOURCE ? mpi.abi.ANY_SOURCE : e.toLocal === null ? source : e.toLocal[source];
    if (!mpi.improbe(from, e.handle)) return false;
    const t = mpi.statusTag();
    const src = e.toWorld === null ? mpi.statusSource() : e.toWorld[mpi.statusSource()];
    const length = mpi.count();
    const ctx = (context & ~1) | ((t >> 5) & 1);
    let kind = t & 31;
    if (kind === EXTENDED) {
      const all = new Uint8Array(length);
      mpi.mrecv(all);
      const h = new Int32Array(all.buffer, 0, 2);
      kind = h[1];
      this.#arrive(src, h[0], ctx, kind, length - EXTENDED_HEADER, all.subarray(EXTENDED_HEADER));
      return true;
    }
    this.#arrive(src, t >>> 6, ctx, kind, length, null);
    return true;
  }

  /** A message whose envelope MPI just gave: matched, then its payload received (or copied from `got`). */
  #arrive(source: number, tag: number, context: number, kind: number, length: number, got: Uint8Array | null): void {
    const sync = kind > KIND_MASK;
    kind &= KIND_MASK;
    const m = new Message(source, tag, context, kind, length);
    m.sync = sync;
    const op = this.matcher.arrive(m);
    if (op !== null && sync) this.#ack(m);
    let dst: Uint8Array | null = null;
    if (op !== null && op.into !== null) {
      if (isTypedKind(kind) && length <= op.into.byteLength) {
        dst = bytesOf(op.into);
        m.value = op.into;
      }
    } else if (isTypedKind(kind)) {
      const v = allocTyped(kind, length);
      m.value = v;
      dst = kind === KIND_DATAVIEW ? new Uint8Array((v as DataView).buffer) : bytesOf(v);
    } else if (kind === KIND_NUMBER) {
      dst = this.#numBytes;
    } else {
      dst = new Uint8Array(length);
    }
    if (got !== null) {
      // byteLength, not length: V8's Maglev compares a typed array's length of 2^31 or more as a negative int32.
      if (dst !== null) dst.set(got.subarray(0, dst.byteLength < length ? dst.byteLength : length));
    } else if (dst !== null && length <= dst.byteLength) {
      this.#mpi.mrecv(dst.byteLength === length ? dst : dst.subarray(0, length));
    } else {
      this.#mpi.mrecv(new Uint8Array(length)); // consumed, not kept: recvInto reports why
    }
    if (kind === KIND_NUMBER) m.value = dst === this.#numBytes ? this.#num[0] : undefined;
    else m.bytes = dst;
    m.received = length;
    m.done = true;
  }

  /** Removes and returns the oldest matching unexpected message (they arrive whole), or null. */
  take(source: number, tag: number, context: number): Message | null {
    const m = this.matcher.take(source, tag, context);
    if (m !== null && m.sync) this.#ack(m);
    return m;
  }

  /** Matched probes and cancels on this inbox for backend `t`, whose receives not yet waited for are `open` (_probe.ts). */
  matching(t: ProbeHost, open: OpenRecvs): MatchingOps {
    this.#ack = acknowledger(t);
    return new MatchingOps(t, this, open);
  }

  /** Posts a receive: an earlier typed message moves into its array. */
  post(op: RecvOp): void {
    const m = this.matcher.post(op);
    if (m !== null && m.sync) this.#ack(m);
    if (m !== null) moveInto(m, op.into);
  }

  /**
   * A message this rank sends itself: matched and copied here, never through
   * MPI (MPI_Send to oneself may wait for the receive: MPICH 4.0's does).
   */
  arriveSelf(self: number, kind: number, bytes: Uint8Array, tag: number, context: number): void {
    this.#arrive(self, tag, context, kind, bytes.byteLength, bytes); // byteLength: see _outbox.ts extended
  }

  /** Takes every message MPI holds for this rank, on every communicator. */
  drain(): void {
    for (const ctx of this.#comms.contexts()) while (this.pull(ctx, ANY_SOURCE));
  }

  /** Receives started and never completed (`open`), and messages never received, as leftovers of rank `me`. */
  leftovers(open: OpenRecvs, me: number): Leftover[] {
    const out: Leftover[] = [];
    for (const op of open) {
      const m = op.msg;
      out.push(
        m === null
          ? { source: op.source, dest: me, tag: op.tag, context: op.context, bytes: -1, whole: false }
          : { source: m.source, dest: me, tag: m.tag, context: m.context, bytes: m.length, whole: true },
      );
    }
    for (const m of this.matcher.unexpectedList()) {
      out.push({ source: m.source, dest: me, tag: m.tag, context: m.context, bytes: m.length, whole: true });
    }
    return out;
  }
}
