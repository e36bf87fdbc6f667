// Matched probes and cancellation of receives, for both backends (they
// match in the same matcher.ts): a probed message is taken out of the
// unexpected queue and bound to a receive op of its own, so no other
// receive can match it.

import { KIND_NULL } from "./codec.ts";
import { type Message, RecvOp } from "./matcher.ts";
import type { OpenRecvs } from "./open_recvs.ts";
import type { Envelope, Matching, PendingOp, Probed } from "./transport.ts";

/**
 * Flag on a message's kind: sent by `ssend`/`issend`, so the receiver
 * acknowledges it once a receive has taken it (on tag {@linkcode ackTag}).
 * Backends carry the kind as it is and clear the flag on arrival, setting
 * the message's `sync`.
 */
export const SYNC = 0x100;
/** The kind bits below {@linkcode SYNC}. */
export const KIND_MASK = 0xff;

/**
 * The internal tag of the acknowledgement of a synchronous message with
 * tag `tag`: negative, so no receive with ANY_TAG matches it (matcher.ts),
 * and one per tag, so acknowledgements of one sender's messages with one
 * tag arrive in the order of the messages.
 */
export function ackTag(tag: number): number {
  return tag >= 0x7ffffffe ? -0x80000000 : -2 - tag;
}

/** What {@linkcode MatchingOps} needs of a backend's incoming side. */
export interface MatchingInbox {
  /** Removes and returns the oldest matching unexpected message (its payload on its way), or null. */
  take(source: number, tag: number, context: number): Message | null;
  /** The matcher (its `cancel` withdraws a posted receive that has not matched). */
  readonly matcher: { cancel(op: RecvOp): boolean };
}

/** What {@linkcode MatchingOps} needs of a backend: its non-blocking probe (which makes progress) and `isend`. */
export interface ProbeHost {
  /** Non-blocking probe. */
  iprobe(source: number, tag: number, context: number): Envelope | null;
  /** Starts a send (of an acknowledgement). */
  isend(kind: number, bytes: Uint8Array, dest: number, tag: number, context: number): PendingOp;
}

const EMPTY = new Uint8Array(0);

/**
 * What an inbox calls when a synchronous message has matched a receive (a
 * posted one at arrival, or a receive or matched probe taking it from the
 * unexpected queue): sends its acknowledgement through `t` without waiting
 * (the backend's progress moves it; finalize completes it).
 */
export function acknowledger(t: ProbeHost): (m: Message) => void {
  return (m) => void t.isend(KIND_NULL, EMPTY, m.source, ackTag(m.tag), m.context);
}

/** {@linkcode Matching} on spmd's matcher. */
export class MatchingOps implements Matching {
  readonly #t: ProbeHost;
  readonly #in: MatchingInbox;
  readonly #open: OpenRecvs;

  /** The matching of backend `t` (its `iprobe` makes progress), its inbox, and its receives not yet waited for. */
  constructor(
    t: ProbeHost,
    inbox: MatchingInbox,
    open: OpenRecvs,
  ) {
    this.#t = t;
    this.#in = inbox;
    this.#open = open;
  }

  /** Withdraws an unmatched receive. */
  cancel(op: PendingOp): boolean {
    if (!(op instanceof RecvOp) || op.msg !== null || !this.#in.matcher.cancel(op)) return false;
    this.#open.delete(op);
    return true;
  }

  /** Takes the oldest matching message out of matching, bound to a receive op. */
  improbe(source: number, tag: number, context: number): Probed | null {
    if (this.#t.iprobe(source, tag, context) === null) return null;
    const m = this.#in.take(source, tag, context)!;
    const op = new RecvOp(m.source, m.tag, m.context, null);
    op.msg = m;
    m.recv = op;
    this.#open.add(op);
    return { envelope: m, op };
  }
}
