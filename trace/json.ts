/**
 * The trace as Chrome/Perfetto trace events (`--trace FILE.json`): strict
 * JSON in the object form, which ui.perfetto.dev and chrome://tracing open
 * as it is.
 *
 * - One process (pid 1) named after the program; one thread per rank, tid
 *   1000 + rank, named "rank N" and sorted by rank (metadata events "M").
 * - Each spmd call is a complete event ("X", cat "spmd") named after the
 *   call, with args peer or root, tag, bytes and communicator; each user
 *   region an "X" event with cat "region".
 * - Each message is a pair of flow events sharing an id: "s" on the
 *   sender's track at its send, "f" (binding point "e") on the receiver's
 *   at its receive, both placed inside the call they happened in, since
 *   viewers bind a flow to the slice enclosing it. A message whose call was
 *   not recorded (the rank failed inside it) gets a short slice of its own.
 * - Events a rank lost when its buffer wrapped are counted in
 *   `otherData.dropped` and marked by an instant event on its track; a
 *   failure report is `otherData.failed` and a global instant event.
 * - `otherData.spmd` holds the raw events, compactly, so that
 *   {@linkcode readTraceJson} (and `deno task trace FILE.json`) rebuild them
 *   exactly.
 *
 * The file is written to a temporary name and renamed: it is complete or
 * absent, never cut short.
 *
 * @module
 */

import { callName, commId, isCollectiveContext } from "../transport/calls.ts";
import { eventAt, type RankTrace, RECORD_FIELDS, type TraceEvent, typeCode } from "../transport/trace.ts";
import { callFamily, enclosing, eventsOf, pairMessages, programName } from "./_model.ts";
import type { TraceJob } from "./types.ts";

export type { RankTrace, TraceEvent, TraceJob } from "./types.ts";

/** `otherData.spmd.format` of the files this module writes. */
export const TRACE_FORMAT = "spmd-trace/1";
/** The process id of the job in the file. */
export const TRACE_PID = 1;
/** Rank r's thread id in the file is this plus r. */
export const TRACE_TID_BASE = 1000;

/** The raw copy keeps each event in the trace buffer's record layout (transport/trace.ts). */
const FIELDS = RECORD_FIELDS;

interface Out {
  /** Time, ns (integer), for sorting. */
  t: number;
  /** Order among equal times: slices (longest first), then instants, then flows. */
  k: number;
  ev: Record<string, unknown>;
}

const ns = (us: number): number => Math.round(us * 1000);
const us = (ns: number): number => ns / 1000;

/** Writes the trace of `job` (the events of `ranks`) to `path` as trace-event JSON, atomically. */
export function writeTraceJson(path: string, job: TraceJob, ranks: RankTrace[]): void {
  const text = traceJsonText(job, ranks);
  const tmp = `${path}.${Deno.pid}.tmp`;
  try {
    Deno.writeTextFileSync(tmp, text);
    Deno.renameSync(tmp, path);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch { /* it was not written */ }
    throw e;
  }
}

/** The trace-event JSON text of `job` (what {@linkcode writeTraceJson} writes). */
export function traceJsonText(job: TraceJob, ranks: RankTrace[]): string {
  const size = Math.max(job.size, ...ranks.map((r) => r.rank + 1));
  const out: Out[] = [];
  const tid = (rank: number): number => TRACE_TID_BASE + rank;
  const pid = TRACE_PID;
  let tEnd = 0;
  for (const rt of ranks) for (const e of rt.events) tEnd = Math.max(tEnd, ns(e.end));

  // Per rank: calls and regions as slices; moments that need an enclosing slice.
  const calls = new Map<number, TraceEvent[]>();
  const regions = new Map<number, TraceEvent[]>();
  const synthetic = new Map<number, { t0: number; t1: number }[]>();
  for (const rt of ranks) {
    const cs = eventsOf(rt, "call");
    const rs = eventsOf(rt, "region");
    calls.set(rt.rank, cs);
    regions.set(rt.rank, rs);
    synthetic.set(rt.rank, []);
    for (const c of cs) {
      const args: Record<string, unknown> = {};
      if (c.b >= 0) args[callFamily(c.a) === "collective" || callFamily(c.a) === "barrier" ? "root" : "peer"] = c.b;
      if (c.tag >= 0) args.tag = c.tag;
      if (c.bytes >= 0) args.bytes = c.bytes;
      if (c.context >= 0) args.comm = commId(c.context);
      if (c.alg !== undefined && c.alg >= 0 && rt.names[c.alg] !== undefined) args.algorithm = rt.names[c.alg];
      slice(out, pid, tid(rt.rank), callName(c.a), "spmd", ns(c.start), ns(c.end), args);
    }
    for (const r of rs) {
      const name = rt.names[r.a] ?? "region";
      slice(out, pid, tid(rt.rank), name, "region", ns(r.start), ns(r.end), { depth: r.b });
    }
    if (rt.dropped > 0) {
      // 1 µs before the first event kept: an instant is a slice too, and must not enclose a flow.
      const oldest = rt.events.reduce((t, e) => Math.min(t, e.start), Infinity);
      const first = Number.isFinite(oldest) ? Math.max(0, ns(oldest) - 1000) : 0;
      out.push({
        t: first,
        k: 1,
        ev: {
          ph: "i",
          s: "t",
          name: `${rt.dropped} older events dropped (trace buffer wrapped)`,
          cat: "spmd",
          pid,
          tid: tid(rt.rank),
          ts: us(first),
          args: { dropped: rt.dropped },
        },
      });
    }
  }

  // Where a flow event of `rank` at `t` (µs) goes: inside the call it happened in, else inside a short slice of
  // its own. Perfetto binds a flow to the slice on top of the track's stack, which is only brought up to date
  // when a slice begins: a flow in a gap between calls would bind to the call before it. Flows stay 3 ns inside
  // their slice, since Perfetto truncates µs × 1000 to whole ns and may reorder events of equal times.
  const place = (rank: number, t: number, type: "send" | "recv"): number => {
    const tn = ns(t);
    const c = enclosing(calls.get(rank)!, t);
    if (c !== undefined) return within(ns(c.start), ns(c.end), tn);
    const own = synthetic.get(rank)!;
    for (const s of own) if (tn >= s.t0 && tn < s.t1) return within(s.t0, s.t1, tn);
    let t0 = tn - 500; // ±0.5 µs, cut short at the nearest slice boundaries
    let t1 = tn + 500;
    const bounds = [...calls.get(rank)!, ...regions.get(rank)!].flatMap((e) => [ns(e.start), ns(e.end)]);
    for (const s of own) bounds.push(s.t0, s.t1);
    for (const b of bounds) {
      if (b <= tn && b > t0) t0 = b;
      if (b > tn && b < t1) t1 = b;
    }
    own.push({ t0, t1 });
    slice(out, pid, tid(rank), type, "spmd", t0, t1, {
      note: "its call was not recorded: the rank was still in it when the trace was read",
    });
    return within(t0, t1, tn);
  };

  const messages = pairMessages(ranks);
  let id = 0;
  for (const m of messages.matched) {
    id++;
    const common = { name: "message", cat: "spmd.message", id, pid };
    const ts = place(m.src, m.sent, "send");
    const tf = place(m.dst, m.received, "recv");
    const args: Record<string, unknown> = { from: m.src, to: m.dst, bytes: m.bytes, tag: m.tag };
    if (m.context >= 0) args.comm = commId(m.context);
    if (isCollectiveContext(m.context)) args.collective = true;
    out.push({ t: ts, k: 2, ev: { ph: "s", ...common, tid: tid(m.src), ts: us(ts), args } });
    out.push({ t: tf, k: 2, ev: { ph: "f", bp: "e", ...common, tid: tid(m.dst), ts: us(tf) } });
  }

  if (job.failed !== undefined) {
    out.push({
      t: tEnd,
      k: 1,
      ev: {
        ph: "i",
        s: "g",
        name: "job failed",
        cat: "spmd",
        pid,
        tid: tid(0),
        ts: us(tEnd),
        args: { report: job.failed },
      },
    });
  }

  out.sort((x, y) => x.t - y.t || x.k - y.k || ((y.ev.dur as number) ?? 0) - ((x.ev.dur as number) ?? 0));

  const meta: Record<string, unknown>[] = [
    { ph: "M", name: "process_name", pid, tid: 0, args: { name: programName(job.program) } },
    { ph: "M", name: "process_labels", pid, tid: 0, args: { labels: `${size} ranks` } },
    { ph: "M", name: "process_sort_index", pid, tid: 0, args: { sort_index: 0 } },
  ];
  for (let r = 0; r < size; r++) {
    meta.push({ ph: "M", name: "thread_name", pid, tid: tid(r), args: { name: `rank ${r}` } });
    meta.push({ ph: "M", name: "thread_sort_index", pid, tid: tid(r), args: { sort_index: r } });
  }

  const otherData: Record<string, unknown> = {
    program: job.program,
    size,
    ...(job.args !== undefined ? { args: job.args } : {}),
    ...(job.startedAt !== undefined ? { startedAt: new Date(job.startedAt).toISOString() } : {}),
    ...(job.failed !== undefined ? { failed: job.failed } : {}),
    times: "µs since the job started; thread id = 1000 + rank",
    dropped: Array.from({ length: size }, (_, r) => ranks.find((t) => t.rank === r)?.dropped ?? 0),
    messages: messages.matched.length,
    unreceived: messages.unreceived,
    unsent: messages.unsent,
    spmd: {
      format: TRACE_FORMAT,
      ...(job.startedAt !== undefined ? { epoch: job.startedAt } : {}),
      fields: "type (1 call, 2 region, 3 send, 4 recv), start, end, a, b, tag, context, bytes",
      ranks: ranks.map((rt) => ({ rank: rt.rank, dropped: rt.dropped, names: rt.names, events: flatten(rt.events) })),
    },
  };

  const lines = [...meta.map((e) => JSON.stringify(e)), ...out.map((o) => JSON.stringify(o.ev))];
  return `{"traceEvents":[\n${lines.join(",\n")}\n],\n"displayTimeUnit":"ns",\n"otherData":${
    JSON.stringify(otherData)
  }}\n`;
}

function slice(
  out: Out[],
  pid: number,
  tid: number,
  name: string,
  cat: string,
  t0: number,
  t1: number,
  args: Record<string, unknown>,
): void {
  const dur = Math.max(1, t1 - t0);
  out.push({ t: t0, k: 0, ev: { ph: "X", name, cat, pid, tid, ts: us(t0), dur: us(dur), args } });
}

/** `t` (ns) moved at least 3 ns inside the slice [t0, t1) (to its middle when it is shorter than 7 ns). */
function within(t0: number, t1: number, t: number): number {
  const lo = t0 + 3;
  const hi = t1 - 3;
  return lo > hi ? Math.floor((t0 + t1) / 2) : Math.min(Math.max(t, lo), hi);
}

function flatten(events: readonly TraceEvent[]): number[] {
  const flat = new Array<number>(events.length * FIELDS);
  let i = 0;
  for (const e of events) {
    flat[i++] = typeCode(e.type);
    flat[i++] = Math.round(e.start * 1000) / 1000;
    flat[i++] = Math.round(e.end * 1000) / 1000;
    flat[i++] = e.a;
    flat[i++] = e.b;
    flat[i++] = e.tag;
    flat[i++] = e.context;
    flat[i++] = e.bytes;
    flat[i++] = e.alg ?? -1;
  }
  return flat;
}

/** A trace read back from its JSON: the job and the ranks' events. */
export interface TraceFile {
  /** The job. */
  job: TraceJob;
  /** One per traced rank. */
  ranks: RankTrace[];
}

/**
 * Reads back a trace that {@linkcode writeTraceJson} wrote (its text): the
 * job and every rank's events, from the raw copy in `otherData.spmd`.
 * Throws an Error saying what is missing when the text is not such a trace.
 */
export function readTraceJson(text: string): TraceFile {
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON: ${(e as Error).message}`);
  }
  const other = doc?.otherData;
  const raw = other?.spmd;
  if (raw?.format !== TRACE_FORMAT || !Array.isArray(raw.ranks)) {
    throw new Error(`no spmd events in it (otherData.spmd.format "${TRACE_FORMAT}"): was it written by spmd --trace?`);
  }
  const ranks: RankTrace[] = raw.ranks.map((r: any): RankTrace => {
    const flat: number[] = r.events;
    if (!Array.isArray(flat) || flat.length % FIELDS !== 0) throw new Error(`rank ${r.rank}: malformed events`);
    const events: TraceEvent[] = [];
    for (let i = 0; i < flat.length; i += FIELDS) {
      const e = eventAt(flat, i);
      if (e === null) throw new Error(`rank ${r.rank}: unknown event type ${flat[i]}`);
      events.push(e);
    }
    return { rank: r.rank, events, dropped: r.dropped ?? 0, names: r.names ?? [] };
  });
  const job: TraceJob = { program: String(other.program ?? "?"), size: Number(other.size ?? ranks.length) };
  if (typeof other.failed === "string") job.failed = other.failed;
  if (typeof raw.epoch === "number") job.startedAt = raw.epoch;
  if (Array.isArray(other.args)) job.args = other.args;
  return { job, ranks };
}
