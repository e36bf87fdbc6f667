/**
 * What both trace writers derive from the ranks' events: call families,
 * messages paired from their send to their receive, the time span, and the
 * call (or region) that encloses a moment on a rank.
 *
 * @module
 */

import { callName } from "../transport/calls.ts";
import type { RankTrace, TraceEvent } from "../transport/trace.ts";

/** Families of calls, each drawn in one colour. */
export type Family = "p2p" | "wait" | "collective" | "barrier" | "communicator" | "finalize" | "other";

/** Every family, in legend order. */
export const FAMILIES: readonly Family[] = [
  "p2p",
  "wait",
  "collective",
  "barrier",
  "communicator",
  "finalize",
  "other",
];

const P2P = new Set(["send", "recv", "recvInto", "sendrecv", "probe"]);
const WAIT = new Set(["wait", "waitAll", "waitSend", "waitAllSend"]);
const COMMUNICATOR = new Set(["split", "dup"]);
const NOT_COLLECTIVE = new Set(["user code", "?"]);

/** The family of a call code. */
export function callFamily(code: number): Family {
  const name = callName(code);
  if (P2P.has(name)) return "p2p";
  if (WAIT.has(name)) return "wait";
  if (name === "barrier") return "barrier";
  if (COMMUNICATOR.has(name)) return "communicator";
  if (name === "finalize") return "finalize";
  return NOT_COLLECTIVE.has(name) ? "other" : "collective";
}

/** One message, from its send to its matching receive. */
export interface Message {
  /** Sending rank. */
  src: number;
  /** Receiving rank. */
  dst: number;
  /** Its number among `src`'s messages to `dst`. */
  seq: number;
  /** When it left, µs. */
  sent: number;
  /** When the receive took it, µs. */
  received: number;
  /** Payload bytes (−1 unknown). */
  bytes: number;
  /** Tag (−1 none). */
  tag: number;
  /** Context id. */
  context: number;
}

/** The messages of a trace. */
export interface Messages {
  /** Sends paired with their receives, by send time. */
  matched: Message[];
  /** Sends whose receive is not in the trace (never received, or its record was dropped). */
  unreceived: number;
  /** Receives whose send is not in the trace (dropped: the sender's buffer wrapped). */
  unsent: number;
}

/** Pairs every SEND (a = dest, b = flow number) with the RECV (a = source, same b) that took it. */
export function pairMessages(ranks: readonly RankTrace[]): Messages {
  const sends = new Map<string, TraceEvent & { src: number }>();
  for (const rt of ranks) {
    for (const e of rt.events) if (e.type === "send") sends.set(`${rt.rank}:${e.a}:${e.b}`, { ...e, src: rt.rank });
  }
  const matched: Message[] = [];
  let unsent = 0;
  for (const rt of ranks) {
    for (const e of rt.events) {
      if (e.type !== "recv") continue;
      const key = `${e.a}:${rt.rank}:${e.b}`;
      const s = sends.get(key);
      if (s === undefined) {
        unsent++;
        continue;
      }
      sends.delete(key);
      matched.push({
        src: s.src,
        dst: rt.rank,
        seq: e.b,
        sent: s.start,
        received: e.start,
        bytes: s.bytes >= 0 ? s.bytes : e.bytes,
        tag: s.tag,
        context: s.context,
      });
    }
  }
  matched.sort((x, y) => x.sent - y.sent || x.src - y.src);
  return { matched, unreceived: sends.size, unsent };
}

/** First and last moment of the trace, µs (0, 0 when it has no events). */
export function timeSpan(ranks: readonly RankTrace[]): { t0: number; t1: number } {
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const rt of ranks) {
    for (const e of rt.events) {
      if (e.start < t0) t0 = e.start;
      if (e.end > t1) t1 = e.end;
    }
  }
  return t0 <= t1 ? { t0, t1 } : { t0: 0, t1: 0 };
}

/** A rank's events of one type, by start time (longest first among equal starts). */
export function eventsOf(rt: RankTrace, type: TraceEvent["type"]): TraceEvent[] {
  return rt.events.filter((e) => e.type === type).sort((x, y) => x.start - y.start || y.end - x.end);
}

/** The last of `sorted` (by start) that starts at or before `t` and ends at or after it, or undefined. */
export function enclosing(sorted: readonly TraceEvent[], t: number): TraceEvent | undefined {
  let lo = 0;
  let hi = sorted.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid].start <= t) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return at >= 0 && sorted[at].end >= t ? sorted[at] : undefined;
}

/** The program's file name, for titles. */
export function programName(program: string): string {
  const base = program.replace(/[?#].*$/, "").split(/[\\/]/).filter((s) => s !== "").pop();
  return base ?? program;
}
