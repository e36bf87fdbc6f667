/**
 * The numbers of a profile, computed from the ranks' traces: per rank the
 * wall time, the time inside spmd calls, the calls by total time, messages
 * and bytes, user regions; over the ranks the calls aggregated, the load
 * imbalance, and the communication matrix (bytes from rank i to rank j).
 * {@linkcode profileText} (profile.ts) prints them; {@linkcode commMatrixSvg}
 * (heatmap.ts) draws the matrix.
 *
 * All times are µs, as in the trace.
 *
 * @module
 */

import { SpmdError } from "../errors.ts";
import { callName } from "../transport/calls.ts";
import type { RankTrace } from "../transport/trace.ts";

/** The job a profile describes. */
export interface ProfileJob {
  /** The program's path or URL, as launched. */
  program: string;
  /** Number of ranks. */
  size: number;
}

/** One call's totals (on one rank, or over all ranks). */
export interface CallStat {
  /** The call's name (transport/calls.ts). */
  name: string;
  /** How many times it was called. */
  count: number;
  /** Total time inside it, µs. */
  total: number;
  /** Longest single call, µs. */
  max: number;
}

/** What one rank did. */
export interface RankProfile {
  /** The rank. */
  rank: number;
  /** False when no trace of this rank was given (its numbers are 0). */
  traced: boolean;
  /** Wall time, µs: given, or from its first to its last event. */
  wall: number;
  /** Time inside spmd calls (outermost calls only), µs. */
  spmd: number;
  /** Wall − spmd: time in the rank's own code, µs. */
  compute: number;
  /** The slowest rank's compute minus this rank's, µs: time spent waiting for it. */
  idle: number;
  /** Calls by total time, longest first. */
  calls: CallStat[];
  /** Messages sent and their payload bytes. */
  sent: number;
  /** Payload bytes sent. */
  sentBytes: number;
  /** Messages received. */
  received: number;
  /** Payload bytes received. */
  receivedBytes: number;
  /** Time inside each user region, by name, µs (nested or repeated spans of one name counted once). */
  regions: Record<string, number>;
  /** Oldest events lost because the rank's buffer wrapped. */
  dropped: number;
}

/** How a quantity spreads over the traced ranks. */
export interface Spread {
  /** Smallest value. */
  min: number;
  /** Mean value. */
  mean: number;
  /** Largest value. */
  max: number;
  /** max / mean (1 = balanced; NaN when the mean is 0). */
  ratio: number;
  /** A rank with the smallest value. */
  minRank: number;
  /** A rank with the largest value. */
  maxRank: number;
}

/** Bytes and messages between every pair of ranks, from the "send" events. */
export interface CommMatrix {
  /** Number of ranks (rows and columns). */
  size: number;
  /** bytes[i * size + j]: payload bytes rank i sent to rank j. */
  bytes: Float64Array;
  /** messages[i * size + j]: messages rank i sent to rank j. */
  messages: Float64Array;
}

/** A whole profile. */
export interface Profile {
  /** The job. */
  job: ProfileJob;
  /** Every rank, by rank (untraced ones included, with `traced` false). */
  ranks: RankProfile[];
  /** Calls summed over the ranks, by total time, longest first. */
  calls: CallStat[];
  /** Region names, by total time over the ranks, longest first. */
  regionNames: string[];
  /** Longest rank wall time, µs. */
  wall: number;
  /** Summed over ranks: wall, spmd time, messages and bytes sent. */
  totals: { wall: number; spmd: number; sent: number; sentBytes: number };
  /** Spread over the traced ranks of compute time, spmd time and each region's time. */
  imbalance: { compute: Spread; spmd: Spread; regions: Record<string, Spread> };
  /** The communication matrix. */
  matrix: CommMatrix;
}

/** @ignore Throws SpmdError naming `call` unless `job` and `ranks` can be profiled. */
export function checkJob(call: string, job: ProfileJob, ranks: RankTrace[]): void {
  if (job === null || typeof job !== "object") {
    throw new SpmdError(`${call}: job must be an object { program, size }, got ${String(job)}`, "MPI_ERR_ARG");
  }
  const size = job.size;
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new SpmdError(`${call}: job.size must be a positive integer, got ${String(size)}`, "MPI_ERR_ARG");
  }
  if (!Array.isArray(ranks)) {
    throw new SpmdError(`${call}: ranks must be an array of RankTrace, got ${String(ranks)}`, "MPI_ERR_ARG");
  }
  for (const t of ranks) {
    if (t === null || typeof t !== "object" || !Number.isSafeInteger(t.rank) || t.rank < 0 || t.rank >= size) {
      const r = t !== null && typeof t === "object" ? t.rank : t;
      throw new SpmdError(`${call}: a trace's rank must be in 0..${size - 1}, got ${String(r)}`, "MPI_ERR_RANK");
    }
  }
}

/**
 * The communication matrix of a job of `size` ranks: bytes and messages
 * from each rank to each rank, summed from the ranks' "send" events
 * (collectives' traffic included). Sends to ranks outside `0..size-1` are
 * left out.
 */
export function commMatrix(size: number, ranks: RankTrace[]): CommMatrix {
  checkJob("commMatrix", { program: "", size }, ranks);
  const bytes = new Float64Array(size * size);
  const messages = new Float64Array(size * size);
  for (const t of ranks) {
    const row = t.rank * size;
    for (const e of t.events) {
      if (e.type !== "send" || !(e.a >= 0 && e.a < size)) continue;
      messages[row + e.a]++;
      if (e.bytes > 0) bytes[row + e.a] += e.bytes;
    }
  }
  return { size, bytes, messages };
}

/** Total length of the union of intervals [starts[i], ends[i]]. */
function unionLength(spans: [number, number][]): number {
  spans.sort((x, y) => x[0] - y[0]);
  let total = 0;
  let s = -Infinity;
  let e = -Infinity;
  for (const [a, b] of spans) {
    if (a > e) {
      if (e > s) total += e - s;
      s = a;
      e = b;
    } else if (b > e) e = b;
  }
  if (e > s) total += e - s;
  return total;
}

function sortCalls(byName: Map<string, CallStat>): CallStat[] {
  return [...byName.values()].sort((x, y) => y.total - x.total || x.name.localeCompare(y.name));
}

function rankProfile(rank: number, t: RankTrace | undefined, wall: number | undefined): RankProfile {
  const p: RankProfile = {
    rank,
    traced: t !== undefined,
    wall: 0,
    spmd: 0,
    compute: 0,
    idle: 0,
    calls: [],
    sent: 0,
    sentBytes: 0,
    received: 0,
    receivedBytes: 0,
    regions: {},
    dropped: t?.dropped ?? 0,
  };
  if (t === undefined) return p;
  const calls = new Map<string, CallStat>();
  const spans = new Map<string, [number, number][]>();
  let first = Infinity;
  let last = -Infinity;
  for (const e of t.events) {
    if (e.start < first) first = e.start;
    if (e.end > last) last = e.end;
    switch (e.type) {
      case "call": {
        const d = Math.max(0, e.end - e.start);
        const name = callName(e.a);
        let c = calls.get(name);
        if (c === undefined) calls.set(name, c = { name, count: 0, total: 0, max: 0 });
        c.count++;
        c.total += d;
        if (d > c.max) c.max = d;
        p.spmd += d;
        break;
      }
      case "region": {
        const name = t.names[e.a] ?? "region";
        let list = spans.get(name);
        if (list === undefined) spans.set(name, list = []);
        list.push([e.start, Math.max(e.start, e.end)]);
        break;
      }
      case "send":
        p.sent++;
        if (e.bytes > 0) p.sentBytes += e.bytes;
        break;
      case "recv":
        p.received++;
        if (e.bytes > 0) p.receivedBytes += e.bytes;
        break;
    }
  }
  p.calls = sortCalls(calls);
  for (const [name, list] of spans) p.regions[name] = unionLength(list);
  p.wall = wall !== undefined && Number.isFinite(wall) && wall >= 0 ? wall : (last > first ? last - first : 0);
  p.compute = Math.max(0, p.wall - p.spmd);
  return p;
}

function spread(ranks: RankProfile[], value: (r: RankProfile) => number): Spread {
  const s: Spread = { min: Infinity, mean: 0, max: -Infinity, ratio: NaN, minRank: -1, maxRank: -1 };
  if (ranks.length === 0) return { ...s, min: 0, max: 0 };
  for (const r of ranks) {
    const v = value(r);
    s.mean += v;
    if (v < s.min) [s.min, s.minRank] = [v, r.rank];
    if (v > s.max) [s.max, s.maxRank] = [v, r.rank];
  }
  s.mean /= ranks.length;
  s.ratio = s.mean > 0 ? s.max / s.mean : NaN;
  return s;
}

/**
 * Computes the profile of a job from its ranks' traces. `wall[r]` is rank
 * r's wall time in µs when the launcher knows it; without it (or for a
 * rank it lacks), a rank's wall time runs from its first event to its last.
 * Ranks missing from `ranks` appear with `traced` false and are left out of
 * the spreads.
 */
export function profileData(job: ProfileJob, ranks: RankTrace[], wall?: number[]): Profile {
  checkJob("profileData", job, ranks);
  const size = job.size;
  const byRank = new Map<number, RankTrace>();
  for (const t of ranks) byRank.set(t.rank, t);
  const out: RankProfile[] = [];
  for (let r = 0; r < size; r++) out.push(rankProfile(r, byRank.get(r), wall?.[r]));
  const traced = out.filter((r) => r.traced);
  const compute = spread(traced, (r) => r.compute);
  for (const r of traced) r.idle = compute.max - r.compute;

  const calls = new Map<string, CallStat>();
  const regionTotals = new Map<string, number>();
  const totals = { wall: 0, spmd: 0, sent: 0, sentBytes: 0 };
  for (const r of traced) {
    for (const c of r.calls) {
      const a = calls.get(c.name);
      if (a === undefined) calls.set(c.name, { ...c });
      else {
        a.count += c.count;
        a.total += c.total;
        if (c.max > a.max) a.max = c.max;
      }
    }
    for (const [name, v] of Object.entries(r.regions)) regionTotals.set(name, (regionTotals.get(name) ?? 0) + v);
    totals.wall += r.wall;
    totals.spmd += r.spmd;
    totals.sent += r.sent;
    totals.sentBytes += r.sentBytes;
  }
  const regionNames = [...regionTotals.entries()].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))
    .map(([n]) => n);
  const regions: Record<string, Spread> = {};
  for (const name of regionNames) regions[name] = spread(traced, (r) => r.regions[name] ?? 0);
  return {
    job: { program: job.program, size },
    ranks: out,
    calls: sortCalls(calls),
    regionNames,
    wall: traced.reduce((m, r) => Math.max(m, r.wall), 0),
    totals,
    imbalance: { compute, spmd: spread(traced, (r) => r.spmd), regions },
    matrix: commMatrix(size, ranks),
  };
}

// ---- units -----------------------------------------------------------------------

/** Three significant digits, without exponent: 1.23, 12.3, 123, 1234. */
function sig3(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** A duration in µs, compact: "850µs", "12.3ms", "1.23s" ("0" for none). */
export function formatTime(us: number): string {
  if (!Number.isFinite(us)) return "-";
  if (us === 0) return "0";
  if (us < 1000) return `${sig3(us)}µs`;
  if (us < 999_500) return `${sig3(us / 1000)}ms`;
  return `${sig3(us / 1e6)}s`;
}

/** A byte count, compact, in powers of 1024: "512", "64.0K", "1.23M", "2.00G". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return "-";
  if (n < 1024) return String(Math.round(n));
  const units = ["K", "M", "G", "T", "P"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}${units[u]}`;
}

/** A share as a percentage with one decimal ("-" when undefined). */
export function formatPercent(part: number, whole: number): string {
  return whole > 0 && Number.isFinite(part) ? `${(100 * part / whole).toFixed(1)}%` : "-";
}
