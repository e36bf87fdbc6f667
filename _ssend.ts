// Synchronous sends and sendrecvReplace. A synchronous message carries the
// SYNC flag on its kind (transport/_probe.ts); whichever receive takes it
// (recv, recvInto, sendrecv, a request, a matched probe's Message) sends an
// empty acknowledgement back on the internal tag ackTag(tag) of the same
// context, which no ANY_TAG receive matches; ssend returns, and an issend's
// request completes, once the acknowledgement has arrived. Ordinary sends
// carry no flag: their path is untouched.

import { PROC_NULL } from "./constants.ts";
import { nameCall } from "./errors.ts";
import { checkInto, fillStatus } from "./_message.ts";
import type { Endpoint } from "./_p2p.ts";
import { Request } from "./request.ts";
import { Status } from "./status.ts";
import { SyncSend } from "./_ack.ts";
import { callCode } from "./transport/calls.ts";
import { encode } from "./transport/codec.ts";
import { ackTag, SYNC } from "./transport/_probe.ts";
import type { Transport } from "./transport/transport.ts";
import { bytesOf, typedKind } from "./transport/typed.ts";
import { checkBuffer, checkDest, checkRecvTag, checkSendTag, checkSource } from "./_validate.ts";

const C_SSEND = callCode("ssend");
const C_SENDRECV_REPLACE = callCode("sendrecvReplace");

/** Starts the synchronous send of `value` to world rank `to` (the acknowledgement's receive first). */
function start(t: Transport, value: unknown, to: number, tag: number, context: number, call: string): SyncSend {
  const k = typedKind(value);
  const { kind, bytes } = k !== 0 ? { kind: k, bytes: bytesOf(value as ArrayBufferView) } : encode(value, call);
  const ack = t.irecv(to, ackTag(tag), context, null);
  return new SyncSend(t.isend(kind | SYNC, bytes, to, tag, context), ack);
}

/** Blocking synchronous send: returns once a receive on `dest` has taken the message. */
export function ssend(c: Endpoint, value: unknown, dest: number, tag: number): void {
  checkDest("ssend", dest, c.size);
  checkSendTag("ssend", tag);
  if (dest === PROC_NULL) return;
  const t = c.transport;
  t.enter(C_SSEND, dest, tag, c.context);
  try {
    const op = start(t, value, c.worldRank(dest), tag, c.context, "ssend");
    t.wait(op.send);
    t.wait(op.ack);
  } catch (e) {
    throw nameCall("ssend", e);
  } finally {
    t.leave();
  }
}

/** Starts a synchronous send; its request completes once a receive has taken the message. */
export function issend(c: Endpoint, value: unknown, dest: number, tag: number): Request<undefined> {
  checkDest("issend", dest, c.size);
  checkSendTag("issend", tag);
  if (dest === PROC_NULL) return new Request<undefined>(null, null, null, undefined, null);
  let op;
  try {
    op = start(c.transport, value, c.worldRank(dest), tag, c.context, "issend");
  } catch (e) {
    throw nameCall("issend", e);
  }
  return new Request<undefined>(c.transport, op, c, undefined, {
    call: "issend",
    send: true,
    peer: dest,
    tag,
    context: c.context,
    into: null,
  });
}

/**
 * Sends the contents of `buffer` to `dest` and receives a typed-array
 * message from `source` into the same buffer (MPI_Sendrecv_replace).
 */
export function sendrecvReplace(
  c: Endpoint,
  buffer: ArrayBufferView,
  dest: number,
  sendTag: number,
  source: number,
  recvTag: number,
): Status {
  const call = "sendrecvReplace";
  checkBuffer(call, buffer);
  checkDest(call, dest, c.size);
  checkSendTag(call, sendTag);
  checkSource(call, source, c.size);
  checkRecvTag(call, recvTag);
  const st = new Status();
  const t = c.transport;
  t.enter(C_SENDRECV_REPLACE, source, recvTag, c.context);
  try {
    const k = typedKind(buffer);
    const s = dest === PROC_NULL ? null : t.isend(k, bytesOf(buffer).slice(), c.worldRank(dest), sendTag, c.context);
    if (source === PROC_NULL) {
      st.source = PROC_NULL;
      st.tag = -1;
    } else {
      const m = t.recvInto(buffer, c.worldRank(source), recvTag, c.context);
      checkInto(m, buffer, call, c);
      fillStatus(st, m, c);
    }
    if (s !== null) t.wait(s);
    return st;
  } catch (e) {
    throw nameCall(call, e);
  } finally {
    t.leave();
  }
}
