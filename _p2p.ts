// The point-to-point calls of a communicator: argument checks, the call's
// record in the activity block, encoding and decoding around the backend,
// and naming the call in every error. `Comm`'s methods delegate here.

import { ANY_TAG, PROC_NULL } from "./constants.ts";
import { nameCall } from "./errors.ts";
import { checkInto, fillStatus, isendValue, sendValue, trySendTyped, valueOf } from "./_message.ts";
import { Request } from "./request.ts";
import { Message } from "./mprobe.ts";
import { Status } from "./status.ts";
import { callCode } from "./transport/calls.ts";
import type { Transport } from "./transport/transport.ts";
import { checkBuffer, checkDest, checkRecvTag, checkSendTag, checkSource, checkStatus } from "./_validate.ts";

const C_SEND = callCode("send");
const C_RECV = callCode("recv");
const C_RECV_INTO = callCode("recvInto");
const C_SENDRECV = callCode("sendrecv");
const C_PROBE = callCode("probe");
const C_MPROBE = callCode("mprobe");

/** What the point-to-point calls need of a communicator. */
export interface Endpoint {
  /** Rank count. */
  readonly size: number;
  /** The backend. */
  readonly transport: Transport;
  /** Context of point-to-point traffic. */
  readonly context: number;
  /** World rank of a communicator rank (wildcards pass through). */
  worldRank(r: number): number;
  /** Communicator rank of a world rank. */
  localRank(w: number): number;
}

/** Blocking standard-mode send. */
export function send(c: Endpoint, value: unknown, dest: number, tag: number): void {
  checkDest("send", dest, c.size);
  checkSendTag("send", tag);
  if (dest === PROC_NULL) return;
  const t = c.transport;
  // A typed array that goes at once: no record in the activity block (nothing can wait on it). The rest is out of
  // line, so that this stays small enough for V8 to inline into the caller's loop whatever sizes it has sent.
  if (t.trySend === undefined || !trySendTyped(t, value, c.worldRank(dest), tag, c.context)) {
    sendWait(c, value, dest, tag);
  }
}

/** send past its direct path: a value that is not a typed array, or a send that waits (and is recorded). */
function sendWait(c: Endpoint, value: unknown, dest: number, tag: number): void {
  const t = c.transport;
  t.enter(C_SEND, dest, tag, c.context);
  try {
    sendValue(t, value, c.worldRank(dest), tag, c.context, "send");
  } catch (e) {
    throw nameCall("send", e);
  } finally {
    t.leave();
  }
}

/** Blocking receive; returns the value. */
export function recv(c: Endpoint, source: number, tag: number, status: Status | null | undefined): unknown {
  checkSource("recv", source, c.size);
  checkRecvTag("recv", tag);
  checkStatus("recv", status);
  if (source === PROC_NULL) return procNull(status);
  const t = c.transport;
  t.enter(C_RECV, source, tag, c.context);
  try {
    const m = t.recv(c.worldRank(source), tag, c.context);
    fillStatus(status, m, c);
    return valueOf(m, "recv");
  } catch (e) {
    throw nameCall("recv", e);
  } finally {
    t.leave();
  }
}

/** Blocking receive into `buffer`; returns `status`, filled, or a new Status when none is given. */
export function recvInto(
  c: Endpoint,
  buffer: ArrayBufferView,
  source: number,
  tag: number,
  status: Status | null | undefined,
): Status {
  checkBuffer("recvInto", buffer);
  checkSource("recvInto", source, c.size);
  checkRecvTag("recvInto", tag);
  checkStatus("recvInto", status);
  // There now or within a short poll: not recorded. Kept small, so that V8 inlines it into the caller's loop, where
  // it drops the new Status of a caller that does not use it (the Status must not reach a call it cannot inline:
  // recvIntoWait makes its own).
  const d = source === PROC_NULL ? null : c.transport.tryRecvInto?.(buffer, c.worldRank(source), tag, c.context);
  if (d === null || d === undefined) return recvIntoWait(c, buffer, source, tag, status);
  const st = status ?? new Status(); // a Status given is filled: nothing is allocated per call
  fillStatus(st, d, c); // it is typed and fits: the direct path takes no other
  return st;
}

/** recvInto past its direct path: PROC_NULL, or a receive that waits (and is recorded). */
function recvIntoWait(
  c: Endpoint,
  buffer: ArrayBufferView,
  source: number,
  tag: number,
  status: Status | null | undefined,
): Status {
  const st = status ?? new Status();
  if (source === PROC_NULL) {
    procNull(st);
    return st;
  }
  const t = c.transport;
  t.enter(C_RECV_INTO, source, tag, c.context);
  try {
    const m = t.recvInto(buffer, c.worldRank(source), tag, c.context);
    fillStatus(st, m, c); // before the check: a message that does not fit is described, as a request's wait does
    checkInto(m, buffer, "recvInto", c);
    return st;
  } catch (e) {
    throw nameCall("recvInto", e);
  } finally {
    t.leave();
  }
}

/** Send and receive at once (the send is started first, so any sizes work). */
export function sendrecv(
  c: Endpoint,
  value: unknown,
  dest: number,
  sendTag: number,
  source: number,
  recvTag: number,
  status: Status | null | undefined,
): unknown {
  checkDest("sendrecv", dest, c.size);
  checkSendTag("sendrecv", sendTag);
  checkSource("sendrecv", source, c.size);
  checkRecvTag("sendrecv", recvTag);
  checkStatus("sendrecv", status);
  const t = c.transport;
  t.enter(C_SENDRECV, source, recvTag, c.context);
  try {
    const s = dest === PROC_NULL ? null : isendValue(t, value, c.worldRank(dest), sendTag, c.context, "sendrecv");
    let v: unknown = null;
    if (source === PROC_NULL) procNull(status);
    else {
      const m = t.recv(c.worldRank(source), recvTag, c.context);
      fillStatus(status, m, c);
      v = valueOf(m, "sendrecv");
    }
    if (s !== null) t.wait(s);
    return v;
  } catch (e) {
    throw nameCall("sendrecv", e);
  } finally {
    t.leave();
  }
}

/** Starts a send. */
export function isend(c: Endpoint, value: unknown, dest: number, tag: number): Request<undefined> {
  checkDest("isend", dest, c.size);
  checkSendTag("isend", tag);
  if (dest === PROC_NULL) return new Request<undefined>(null, null, null, undefined, null);
  let op;
  try {
    op = isendValue(c.transport, value, c.worldRank(dest), tag, c.context, "isend");
  } catch (e) {
    throw nameCall("isend", e);
  }
  return new Request<undefined>(c.transport, op, c, undefined, {
    call: "isend",
    send: true,
    peer: dest,
    tag,
    context: c.context,
    into: null,
  });
}

/** Starts a receive (into `buffer` when given). */
export function irecv<T>(
  c: Endpoint,
  source: number,
  tag: number,
  buffer: ArrayBufferView | null,
  call: "irecv" | "irecvInto",
): Request<T> {
  if (buffer !== null) checkBuffer(call, buffer);
  checkSource(call, source, c.size);
  checkRecvTag(call, tag);
  if (source === PROC_NULL) return new Request<T>(null, null, null, (buffer === null ? null : undefined) as T, null);
  let op;
  try {
    op = c.transport.irecv(c.worldRank(source), tag, c.context, buffer);
  } catch (e) {
    throw nameCall(call, e);
  }
  return new Request<T>(c.transport, op, c, null as T, {
    call,
    send: false,
    peer: source,
    tag,
    context: c.context,
    into: buffer,
  });
}

/** Blocking probe. */
export function probe(c: Endpoint, source: number, tag: number): Status {
  checkSource("probe", source, c.size);
  checkRecvTag("probe", tag);
  const st = new Status();
  if (source === PROC_NULL) {
    procNull(st);
    return st;
  }
  const t = c.transport;
  t.enter(C_PROBE, source, tag, c.context);
  try {
    fillStatus(st, t.probe(c.worldRank(source), tag, c.context), c);
    return st;
  } catch (e) {
    throw nameCall("probe", e);
  } finally {
    t.leave();
  }
}

/** Non-blocking probe. */
export function iprobe(c: Endpoint, source: number, tag: number): Status | null {
  checkSource("iprobe", source, c.size);
  checkRecvTag("iprobe", tag);
  const st = new Status();
  if (source === PROC_NULL) {
    procNull(st);
    return st;
  }
  try {
    const m = c.transport.iprobe(c.worldRank(source), tag, c.context);
    if (m === null) return null;
    fillStatus(st, m, c);
    return st;
  } catch (e) {
    throw nameCall("iprobe", e);
  }
}

/** Blocking matched probe: waits for a matching message and takes it out of matching. */
export function mprobe(c: Endpoint, source: number, tag: number): Message {
  checkSource("mprobe", source, c.size);
  checkRecvTag("mprobe", tag);
  if (source === PROC_NULL) return new Message(null, null, c, c.context);
  const t = c.transport;
  const ws = c.worldRank(source);
  t.enter(C_MPROBE, source, tag, c.context);
  try {
    for (;;) {
      t.probe(ws, tag, c.context);
      const p = t.matching.improbe(ws, tag, c.context); // the message probe found: this thread took nothing since
      if (p !== null) return new Message(t, p, c, c.context);
    }
  } catch (e) {
    throw nameCall("mprobe", e);
  } finally {
    t.leave();
  }
}

/** Non-blocking matched probe. */
export function improbe(c: Endpoint, source: number, tag: number): Message | null {
  checkSource("improbe", source, c.size);
  checkRecvTag("improbe", tag);
  if (source === PROC_NULL) return new Message(null, null, c, c.context);
  try {
    const p = c.transport.matching.improbe(c.worldRank(source), tag, c.context);
    return p === null ? null : new Message(c.transport, p, c, c.context);
  } catch (e) {
    throw nameCall("improbe", e);
  }
}

/** The result of a receive from PROC_NULL: null, and a status saying so. */
function procNull(status: Status | null | undefined): null {
  if (status !== undefined && status !== null) {
    status.source = PROC_NULL;
    status.tag = ANY_TAG;
    status.bytes = 0;
    status.error = null;
    status.cancelled = false;
  }
  return null;
}
