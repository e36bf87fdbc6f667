/**
 * `--profile`: an mpiP-style summary of a traced job, as text for stderr.
 * Per rank the wall time, the time inside spmd calls and its share, compute
 * time (wall − spmd) and the idle time it costs the other ranks, messages
 * and bytes, user regions; the load imbalance over the ranks; the calls
 * by total time, over all ranks and per rank; and the communication matrix
 * (bytes from rank i to rank j; the top pairs beyond 16 ranks).
 * {@linkcode commMatrixSvg} draws the matrix as an SVG heat map.
 *
 * @module
 */

import type { RankTrace } from "../transport/trace.ts";
import {
  type CallStat,
  checkJob,
  formatBytes,
  formatPercent,
  formatTime,
  type Profile,
  profileData,
  type ProfileJob,
  type Spread,
} from "./profile_data.ts";

export { commMatrixSvg } from "./heatmap.ts";
export { commMatrix, profileData } from "./profile_data.ts";
export type { CallStat, CommMatrix, Profile, ProfileJob, RankProfile, Spread } from "./profile_data.ts";

/** Ranks up to which the matrix is printed whole (beyond: the top pairs). */
const FULL_MATRIX_RANKS = 16;
/** Pairs listed beyond {@linkcode FULL_MATRIX_RANKS}. */
const TOP_PAIRS = 10;
/** Region columns in the per-rank table (the longest regions). */
const MAX_REGION_COLUMNS = 4;

/**
 * Lays out rows in columns two spaces apart: the first `left` columns
 * left-aligned, the others right-aligned, each at least `min` wide.
 */
function table(rows: string[][], left = 1, min = 0): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((c, i) => widths[i] = Math.max(widths[i] ?? (rows[0][i] === "|" ? 1 : min), c.length));
  }
  return rows.map((row) =>
    "  " + row.map((c, i) => i < left ? c.padEnd(widths[i]) : c.padStart(widths[i])).join("  ").trimEnd()
  );
}

/** "0, 3, 5" or "0-15" for a list of ranks. */
function rankList(ranks: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ranks.length;) {
    let j = i;
    while (j + 1 < ranks.length && ranks[j + 1] === ranks[j] + 1) j++;
    parts.push(j > i ? `${ranks[i]}-${ranks[j]}` : String(ranks[i]));
    i = j + 1;
  }
  return parts.join(", ");
}

function ratio(s: Spread): string {
  return Number.isNaN(s.ratio) ? "-" : s.ratio.toFixed(3);
}

function headerLines(p: Profile): string[] {
  const { size, program } = p.job;
  const t = p.totals;
  return [
    `spmd profile: ${program}, ${size} rank${size === 1 ? "" : "s"}`,
    `  wall ${formatTime(p.wall)} (longest rank); in spmd calls ${formatTime(t.spmd)} of ${
      formatTime(t.wall)
    } rank time (${formatPercent(t.spmd, t.wall)}); ${t.sent} message${t.sent === 1 ? "" : "s"}, ${
      formatBytes(t.sentBytes)
    } bytes`,
    `  compute = wall − time in spmd calls; bytes in K/M/G of 1024`,
  ];
}

function perRankLines(p: Profile): string[] {
  const regions = p.regionNames.slice(0, MAX_REGION_COLUMNS);
  const head = ["rank", "wall", "spmd", "spmd%", "compute", "idle", "sent", "bytes", "recvd", "bytes"];
  if (regions.length > 0) head.push("|", ...regions.map((n) => n.length > 16 ? n.slice(0, 15) + "…" : n));
  const rows = [head];
  for (const r of p.ranks) {
    if (!r.traced) {
      rows.push([String(r.rank), "no trace"]);
      continue;
    }
    const row = [
      String(r.rank),
      formatTime(r.wall),
      formatTime(r.spmd),
      formatPercent(r.spmd, r.wall),
      formatTime(r.compute),
      formatTime(r.idle),
      String(r.sent),
      formatBytes(r.sentBytes),
      String(r.received),
      formatBytes(r.receivedBytes),
    ];
    if (regions.length > 0) row.push("|", ...regions.map((n) => formatTime(r.regions[n] ?? 0)));
    rows.push(row);
  }
  const more = p.regionNames.length - regions.length;
  return [
    `Per rank (idle = the slowest rank's compute − this rank's: waiting for it${
      regions.length > 0 ? "; after |: user regions" : ""
    }${more > 0 ? `, ${more} more region${more === 1 ? "" : "s"} in the imbalance table` : ""})`,
    ...table(rows),
  ];
}

function imbalanceLines(p: Profile): string[] {
  const traced = p.ranks.filter((r) => r.traced).length;
  const rows = [["", "min", "mean", "max", "max/mean", "max at"]];
  const add = (label: string, s: Spread): void => {
    rows.push([label, formatTime(s.min), formatTime(s.mean), formatTime(s.max), ratio(s), `rank ${s.maxRank}`]);
  };
  const im = p.imbalance;
  add("compute (wall − spmd)", im.compute);
  add("time in spmd calls", im.spmd);
  for (const name of p.regionNames) {
    add(`region ${name.length > 24 ? name.slice(0, 23) + "…" : name}`, im.regions[name]);
  }
  const c = im.compute;
  const lines = [`Load imbalance over ${traced} rank${traced === 1 ? "" : "s"}`, ...table(rows)];
  if (traced > 1 && !Number.isNaN(c.ratio)) {
    lines.push(
      `  compute max/mean ${ratio(c)}: rank ${c.maxRank} computes ${formatTime(c.max - c.mean)} over the ` +
        `mean; the others wait for it, up to ${formatTime(c.max - c.min)} (rank ${c.minRank})`,
    );
  }
  return lines;
}

function callRow(c: CallStat, spmd: number, wall: number): string[] {
  return [
    c.name,
    String(c.count),
    formatTime(c.total),
    formatTime(c.total / c.count),
    formatTime(c.max),
    formatPercent(c.total, spmd),
    formatPercent(c.total, wall),
  ];
}

function callLines(p: Profile): string[] {
  if (p.calls.length === 0) return ["Calls: no spmd call was recorded"];
  const size = p.job.size;
  const top = size <= 8 ? 6 : 8;
  const head = ["call", "count", "total", "mean", "max", "%spmd", "%wall"];
  const lines = [
    `Top calls, all ranks (${
      Math.min(top, p.calls.length)
    } of ${p.calls.length}; %spmd and %wall of the ranks' summed times)`,
    ...table([head, ...p.calls.slice(0, top).map((c) => callRow(c, p.totals.spmd, p.totals.wall))]),
  ];
  const k = size <= 4 ? 3 : size <= 8 ? 2 : 1;
  const rows = [["rank", ...head]];
  for (const r of p.ranks) {
    r.calls.slice(0, k).forEach((c, i) => rows.push([i === 0 ? String(r.rank) : "", ...callRow(c, r.spmd, r.wall)]));
  }
  lines.push("", `Top ${k === 1 ? "call" : `${k} calls`} per rank (shares of that rank's times)`, ...table(rows, 2));
  return lines;
}

function matrixLines(p: Profile): string[] {
  const { size, bytes, messages } = p.matrix;
  let total = 0;
  let pairs = 0;
  for (let i = 0; i < size * size; i++) {
    total += bytes[i];
    if (messages[i] > 0) pairs++;
  }
  if (pairs === 0) return ["Communication matrix: no messages"];
  if (size > FULL_MATRIX_RANKS) {
    const order = [...Array(size * size).keys()].filter((i) => messages[i] > 0)
      .sort((x, y) => bytes[y] - bytes[x] || messages[y] - messages[x] || x - y).slice(0, TOP_PAIRS);
    const rows = [["from", "to", "bytes", "msgs", "%bytes"]];
    for (const i of order) {
      const [from, to] = [Math.floor(i / size), i % size];
      rows.push([String(from), String(to), formatBytes(bytes[i]), String(messages[i]), formatPercent(bytes[i], total)]);
    }
    return [
      `Communication: ${pairs} of ${size}×${size} rank pairs exchanged messages, ${formatBytes(total)} bytes; ` +
      `top ${order.length} by bytes`,
      ...table(rows),
    ];
  }
  const rows = [["from\\to", ...[...Array(size).keys()].map(String), "|", "sent"]];
  const colSum = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const row = [String(i)];
    let sum = 0;
    for (let j = 0; j < size; j++) {
      const b = bytes[i * size + j];
      row.push(messages[i * size + j] > 0 ? formatBytes(b) : "·");
      sum += b;
      colSum[j] += b;
    }
    rows.push([...row, "|", formatBytes(sum)]);
  }
  rows.push(["to j", ...[...colSum].map(formatBytes), "|", formatBytes(total)]);
  return [
    `Communication matrix: bytes sent from rank i (row) to rank j (column); · no message`,
    ...table(rows, 1, 5),
  ];
}

function noteLines(p: Profile): string[] {
  const notes: string[] = [];
  const dropped = p.ranks.filter((r) => r.dropped > 0);
  if (dropped.length > 0) {
    const n = dropped.reduce((s, r) => s + r.dropped, 0);
    notes.push(
      `note: rank${dropped.length === 1 ? "" : "s"} ${rankList(dropped.map((r) => r.rank))} lost ${n} oldest ` +
        `event${n === 1 ? "" : "s"} (trace buffer full): the figures cover the rest of the run`,
    );
  }
  const missing = p.ranks.filter((r) => !r.traced);
  if (missing.length > 0) {
    notes.push(`note: no trace of rank${missing.length === 1 ? "" : "s"} ${rankList(missing.map((r) => r.rank))}`);
  }
  return notes;
}

/**
 * The `--profile` summary of a traced job, for stderr (lines joined by
 * "\n", no trailing newline). `wall[r]` is rank r's wall time in µs when the
 * launcher knows it; otherwise a rank's wall time runs from its first event
 * to its last. Throws SpmdError for a bad `job.size` or a trace whose rank
 * is outside the job.
 */
export function profileText(job: ProfileJob, ranks: RankTrace[], wall?: number[]): string {
  checkJob("profileText", job, ranks);
  const p = profileData(job, ranks, wall);
  const sections = [headerLines(p), perRankLines(p), imbalanceLines(p), callLines(p), matrixLines(p)];
  const notes = noteLines(p);
  if (notes.length > 0) sections.push(notes);
  return sections.map((s) => s.join("\n")).join("\n\n");
}
