// Synthetic traces for the trace writers' tests (and demo pictures): what
// transport/trace.ts's readTrace would return for made-up runs.

import { callCode, type CallName } from "../transport/calls.ts";
import type { RankTrace, TraceEvent } from "../transport/trace.ts";
import { rng } from "./_util.ts";

const WORLD_P2P = 0;
const WORLD_COLL = 1;

/** Times rounded to ns, as the JSON keeps them. */
const r3 = (t: number): number => Math.round(t * 1000) / 1000;

function call(name: CallName, start: number, end: number, peer = -1, tag = -1, context = -1, bytes = -1): TraceEvent {
  return { type: "call", start: r3(start), end: r3(end), a: callCode(name), b: peer, tag, context, bytes };
}

function region(id: number, start: number, end: number, depth = 0): TraceEvent {
  return { type: "region", start: r3(start), end: r3(end), a: id, b: depth, tag: -1, context: -1, bytes: -1 };
}

function msg(type: "send" | "recv", t: number, peer: number, seq: number, tag: number, context: number, bytes: number) {
  return { type, start: r3(t), end: r3(t), a: peer, b: seq, tag, context, bytes } as TraceEvent;
}

/** Orders a rank's events as the recorder writes them: by the time each record is written (a call's at its end). */
function recorded(events: TraceEvent[]): TraceEvent[] {
  return events.sort((x, y) => x.end - y.end);
}

/**
 * The course's matrix gather at `size` ranks: each rank computes its share
 * of 20 elements (region "compute", 30 µs an element), then all gather to
 * the last rank, which then prints (region "print"); all finalize.
 */
export function gatherTrace(size: number): RankTrace[] {
  const root = size - 1;
  const start = 1000;
  const share = (r: number): number => Math.floor(20 / size) + (r < 20 % size ? 1 : 0);
  const out: RankTrace[] = [];
  const arrive: number[] = [];
  for (let r = 0; r < size; r++) arrive.push(start + 5 * r + 30 * share(r) + 2);
  const rootEnter = arrive[root] - 1;
  const gatherEnd = Math.max(...arrive) + 4;
  for (let r = 0; r < size; r++) {
    const events: TraceEvent[] = [];
    const t0 = start + 5 * r;
    const computed = t0 + 30 * share(r);
    events.push(region(0, t0, computed));
    const bytes = 8 * share(r);
    if (r !== root) {
      events.push(call("gather", computed + 1, arrive[r] + 1, root, -1, WORLD_COLL, bytes));
      events.push(msg("send", arrive[r], root, 0, 6, WORLD_COLL, bytes));
      const fin = Math.max(arrive[r] + 3, gatherEnd + 2);
      events.push(call("finalize", fin, fin + 3));
    } else {
      events.push(call("gather", rootEnter, gatherEnd, root, -1, WORLD_COLL, 160));
      for (let s = 0; s < size - 1; s++) {
        events.push(msg("recv", Math.max(arrive[s], rootEnter) + 0.5, s, 0, 6, WORLD_COLL, 8 * share(s)));
      }
      events.push(region(1, gatherEnd + 1, gatherEnd + 40));
      events.push(call("finalize", gatherEnd + 41, gatherEnd + 44));
    }
    out.push({ rank: r, events: recorded(events), dropped: 0, names: r === root ? ["compute", "print"] : ["compute"] });
  }
  return out;
}

/**
 * A ring exchange at `size` ranks with about `total` events: every step each
 * rank computes (region "compute" of random length), then sendrecv's to
 * the next rank and from the previous one; every 10th step an allreduce.
 */
export function ringTrace(size: number, total: number, seed = 1): RankTrace[] {
  const rand = rng(seed);
  const steps = Math.max(1, Math.round(total / size / 4.2));
  const ranks: TraceEvent[][] = Array.from({ length: size }, () => []);
  const seq: number[][] = Array.from({ length: size }, () => new Array(size).fill(0));
  const stepLen = 50;
  for (let k = 0; k < steps; k++) {
    const T = 100 + k * stepLen;
    const sendAt: number[] = [];
    for (let r = 0; r < size; r++) {
      const c = 5 + rand() * 30;
      ranks[r].push(region(0, T, T + c));
      sendAt.push(T + c + 1.5);
      ranks[r].push(call("sendrecv", T + c + 1, T + stepLen - 2, (r + 1) % size, 7, WORLD_P2P, 64));
    }
    for (let r = 0; r < size; r++) {
      const next = (r + 1) % size;
      ranks[r].push(msg("send", sendAt[r], next, seq[r][next]++, 7, WORLD_P2P, 64));
    }
    for (let r = 0; r < size; r++) {
      const prev = (r - 1 + size) % size;
      ranks[r].push(msg("recv", T + stepLen - 2.5, prev, seq[prev][r] - 1, 7, WORLD_P2P, 64));
    }
    if (k % 10 === 9) {
      for (let r = 0; r < size; r++) {
        ranks[r].push(call("allreduce", T + stepLen - 1.8, T + stepLen - 0.2, -1, -1, 1, 8));
      }
    }
  }
  return ranks.map((events, rank) => ({ rank, events: recorded(events), dropped: 0, names: ["compute"] }));
}
