// A synchronous send in flight (_ssend.ts): apart, so that request.ts can
// know it without an import cycle.

import type { PendingOp } from "./transport/transport.ts";

/** A synchronous send in flight: done once its bytes have gone and its acknowledgement has arrived. */
export class SyncSend implements PendingOp {
  /** The send of the message. */
  readonly send: PendingOp;
  /** The receive of the acknowledgement (the backend's `wait` must see it, to forget it). */
  readonly ack: PendingOp;
  /** The two halves. */
  constructor(send: PendingOp, ack: PendingOp) {
    this.send = send;
    this.ack = ack;
  }
  /** True once both are done. */
  get done(): boolean {
    return this.send.done && this.ack.done;
  }
}
