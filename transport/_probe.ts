// Matched probes and cancellation of receives, for both backends (they
// match in the same matcher.ts): a probed message is taken out of the
// unexpected queue and bound to a receive op of its own, so no other
// receive can match it.

import { type Message, RecvOp } from "./matcher.ts";
import type { Envelope, Matching, PendingOp, Probed } from "./transport.ts";

/** What {@linkcode MatchingOps} needs of a backend's incoming side. */
export interface MatchingInbox {
  /** Removes and returns the oldest matching unexpected message (its payload on its way), or null. */
  take(source: number, tag: number, context: number): Message | null;
  /** The matcher (its `cancel` withdraws a posted receive that has not matched). */
  readonly matcher: { cancel(op: RecvOp): boolean };
}

/** What {@linkcode MatchingOps} needs of a backend: its non-blocking probe, which makes progress. */
export interface ProbeHost {
  /** Non-blocking probe. */
  iprobe(source: number, tag: number, context: number): Envelope | null;
}

/** {@linkcode Matching} on spmd's matcher. */
export class MatchingOps implements Matching {
  readonly #t: ProbeHost;
  readonly #in: MatchingInbox;
  readonly #open: Set<RecvOp>;

  /** The matching of backend `t` (its `iprobe` makes progress), its inbox, and its receives not yet waited for. */
  constructor(
    t: ProbeHost,
    inbox: MatchingInbox,
    open: Set<RecvOp>,
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
