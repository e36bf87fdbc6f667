// Values around the backend: a value becomes (kind, bytes) on its way into
// a backend (`transport/transport.ts`) and comes back out of an Incoming
// message; the errors of a receive into a caller's buffer are worded here.
// Shared by comm.ts, request.ts and the collectives.

import { SpmdError, TruncateError } from "./errors.ts";
import type { Status } from "./status.ts";
import { checkAttached, decode, encode, KIND_NUMBER, kindName } from "./transport/codec.ts";
import { bytesOf, isTypedKind, KIND_DATAVIEW, typedKind } from "./transport/typed.ts";
import type { Envelope, Incoming, PendingOp, Transport } from "./transport/transport.ts";

/** Sends `value` (blocking, standard mode); `call` names the public call in encoding errors. */
export function sendValue(
  t: Transport,
  value: unknown,
  dest: number,
  tag: number,
  context: number,
  call: string,
): void {
  if (typeof value === "number") return t.sendNumber(value, KIND_NUMBER, dest, tag, context);
  const k = typedKind(value);
  if (k !== 0) {
    // A typed array: its own bytes, without the Encoded object.
    checkAttached(call, value as ArrayBufferView);
    return t.send(k, sendBytes(value as ArrayBufferView), dest, tag, context);
  }
  const { kind, bytes } = encode(value, call);
  t.send(kind, bytes, dest, tag, context);
}

let lastView: ArrayBufferView | null = null;
let lastBytes: Uint8Array = new Uint8Array(0);
/** The kind of `lastView` when trySendTyped made the view, else 0. */
let lastKind = 0;

/** The bytes of `v`: a view made once for an array sent again and again (a new view per send is an allocation). */
function sendBytes(v: ArrayBufferView): Uint8Array {
  if (v === lastView && lastBytes.byteLength === v.byteLength) return lastBytes;
  lastView = v;
  lastKind = 0;
  return lastBytes = bytesOf(v);
}

/**
 * Sends `value` through `t.trySend` when it is a typed array with bytes and
 * goes at once; false (nothing sent) otherwise, for the caller's usual path.
 */
export function trySendTyped(t: Transport, value: unknown, dest: number, tag: number, context: number): boolean {
  // The array sent last, unchanged in length and not detached (its cached bytes had some; detached, both have
  // none): its kind and bytes are known. Else the look-up is out of line, so that this inlines into a send loop.
  const n = lastBytes.byteLength;
  if (value !== lastView || lastKind === 0 || n === 0 || n !== (value as ArrayBufferView).byteLength) {
    if (!rememberTyped(value)) return false;
  }
  return t.trySend!(lastKind, lastBytes, dest, tag, context);
}

/** Makes `value` the array sent last, with its kind; false when it is not a typed array with bytes. */
function rememberTyped(value: unknown): boolean {
  const k = typedKind(value);
  // A DataView takes the usual path, which words a detached one's error (its byteLength would throw a TypeError).
  if (k === 0 || k === KIND_DATAVIEW || (value as ArrayBufferView).byteLength === 0) return false;
  sendBytes(value as ArrayBufferView);
  lastKind = k;
  return true;
}

/** Starts a send of `value`. */
export function isendValue(
  t: Transport,
  value: unknown,
  dest: number,
  tag: number,
  context: number,
  call: string,
): PendingOp {
  const k = typedKind(value);
  if (k !== 0) {
    // A typed array: its own bytes (which must stay untouched until the send completes, as in MPI).
    checkAttached(call, value as ArrayBufferView);
    return t.isend(k, sendBytes(value as ArrayBufferView), dest, tag, context);
  }
  const { kind, bytes } = encode(value, call);
  return t.isend(kind, bytes, dest, tag, context);
}

/** The value of a received message. */
export function valueOf(m: Incoming, call: string): unknown {
  if (m.kind === KIND_NUMBER) return m.value;
  // A small unexpected payload is a view of the inbox's slab: the caller gets its own copy.
  if (isTypedKind(m.kind)) return m.slab === true ? (m.value as Uint8Array).slice() : m.value;
  return decode(m.kind, m.bytes!, call, m.source, m.tag);
}

/** What maps a world rank to a communicator's rank (a `Comm` is one). */
export interface LocalRanks {
  /** The communicator rank of world rank `w`. */
  localRank(w: number): number;
}

/**
 * Throws, as MPI does, when a message received into `into` was not a typed
 * array or did not fit; it is consumed. `comm` maps the sender's world rank
 * to the communicator's rank for the message.
 */
export function checkInto(m: Incoming, into: ArrayBufferView, call: string, comm: LocalRanks | null = null): void {
  if (isTypedKind(m.kind) && m.length <= into.byteLength) return;
  const from = comm === null ? m.source : comm.localRank(m.source);
  if (!isTypedKind(m.kind)) {
    throw new SpmdError(
      `${call}: message from rank ${from} (tag ${m.tag}) is a ${kindName(m.kind)}, not a typed array; ` +
        `it was consumed`,
      "MPI_ERR_TYPE",
    );
  }
  if (m.length > into.byteLength) {
    throw new TruncateError(
      `${call}: message of ${m.length} bytes from rank ${from} (tag ${m.tag}) does not fit the ` +
        `${into.constructor.name} of ${into.byteLength} bytes; it was consumed (MPI_ERR_TRUNCATE)`,
    );
  }
}

/**
 * Fills `status` from a message's envelope, with the source mapped to a rank of `comm`; clears its `error` and
 * `cancelled` (a Status is reused, receive after receive).
 */
export function fillStatus(status: Status | null | undefined, m: Envelope, comm: LocalRanks): void {
  if (status === null || status === undefined) return;
  status.source = comm.localRank(m.source);
  status.tag = m.tag;
  status.bytes = m.length;
  status.error = null;
  status.cancelled = false;
}
