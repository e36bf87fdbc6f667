// What a ring holds that its consumer has not taken, read from outside both
// ranks: the launcher's report of messages sent and never received.

import { IN_CELL, pad8, Ring, STREAMED } from "./ring.ts";
import type { ShmLayout } from "./shm_layout.ts";

/** A frame found unread in a ring. */
export interface UnreadFrame {
  /** Payload length in bytes. */
  length: number;
  /** Tag. */
  tag: number;
  /** Context id. */
  context: number;
  /** False when the ring holds only part of the payload. */
  whole: boolean;
}

/**
 * The frames published into the ring (src → dst) that its consumer has not
 * taken, read from outside both ranks (by the launcher once every rank has
 * ended: what is left there was sent and never received). Assumes the
 * consumer stopped at a frame boundary, which a finalized rank does.
 */
export function unreadFrames(sab: SharedArrayBuffer, layout: ShmLayout, src: number, dst: number): UnreadFrame[] {
  const r = new Ring(sab, layout, src, dst);
  let avail = r.available();
  let at = 0; // bytes past `tail` where the next payload in the byte ring starts
  const out: UnreadFrame[] = [];
  for (let i = 0; i < r.cells && r.nextHeader(); i++) {
    let whole = true;
    if (r.hWhere !== IN_CELL && r.hRdv === 0) {
      const padded = (r.hWhere === STREAMED ? 0 : r.skipAt(at, r.hLength)) + pad8(r.hLength);
      if (r.hWhere === STREAMED) whole = padded <= avail;
      avail = avail > padded ? avail - padded : 0;
      at += padded;
    }
    out.push({ length: r.hLength, tag: r.hTag, context: r.hContext, whole });
    r.frames = (r.frames + 1) | 0; // a look, not a release: nothing is stored
  }
  return out;
}
