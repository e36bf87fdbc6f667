// Tests of the --profile summary and the communication-matrix heat map
// (trace/profile.ts, trace/heatmap.ts) on synthetic traces: the numbers
// (totals, shares, imbalance, matrix sums), the text's layout, and the
// SVG's well-formedness and cells.
import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { commMatrix, commMatrixSvg, profileData, profileText } from "../trace/profile.ts";
import { formatBytes, formatTime } from "../trace/profile_data.ts";
import { callCode, type CallName } from "../transport/calls.ts";
import type { RankTrace, TraceEvent } from "../transport/trace.ts";
import { SpmdError } from "../errors.ts";

function ev(type: TraceEvent["type"], start: number, end: number, a: number, b = -1, bytes = -1): TraceEvent {
  return { type, start, end, a, b, tag: -1, context: 0, bytes };
}
function call(name: CallName, start: number, end: number, peer = -1, bytes = -1): TraceEvent {
  return ev("call", start, end, callCode(name), peer, bytes);
}

/**
 * The scatter example in miniature: a barrier, each rank's "compute" region
 * (rank 2 the slowest), a gatherv onto the root, rank 3, inside a "gather"
 * region; the root waits in gatherv for rank 2.
 */
const COMPUTE = [56_000, 50_000, 66_000, 61_000];
const BYTES = [66_576, 66_560, 66_560, 66_560];
function scatterLike(): RankTrace[] {
  const root = 3;
  const out: RankTrace[] = [];
  for (let r = 0; r < 4; r++) {
    const t0 = 100 + COMPUTE[r];
    const events: TraceEvent[] = [call("barrier", 0, 100), ev("region", 100, t0, 0, 0)];
    if (r !== root) {
      events.push(ev("send", t0 + 10, t0 + 10, root, 0, BYTES[r]));
      events.push(call("gatherv", t0, t0 + 50, root, BYTES[r]));
      events.push(ev("region", t0, t0 + 50, 1, 0));
    } else {
      const last = 100 + Math.max(...COMPUTE);
      for (const s of [0, 1, 2]) events.push(ev("recv", last + 10 * s, last + 10 * s, s, 0, BYTES[s]));
      events.push(call("gatherv", t0, last + 100, root, BYTES[r]));
      events.push(ev("region", t0, last + 100, 1, 0));
    }
    out.push({ rank: r, events, dropped: 0, names: ["compute", "gather"] });
  }
  return out;
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

Deno.test("profile: per-rank wall, spmd time, compute, idle and messages", () => {
  const p = profileData({ program: "scatter.ts", size: 4 }, scatterLike());
  // Rank 3 (root): wall 0 .. 66200, spmd = barrier 100 + gatherv (66200 - 61100).
  const r3 = p.ranks[3];
  equal(r3.wall, 66_200);
  equal(r3.spmd, 100 + 5_100);
  equal(r3.compute, 61_000);
  equal(r3.received, 3);
  equal(r3.receivedBytes, BYTES[0] + BYTES[1] + BYTES[2]);
  equal(r3.sent, 0);
  for (const r of [0, 1, 2]) {
    const rp = p.ranks[r];
    equal(rp.wall, 100 + COMPUTE[r] + 50);
    equal(rp.spmd, 150);
    equal(rp.compute, COMPUTE[r]);
    equal(rp.sent, 1);
    equal(rp.sentBytes, BYTES[r]);
    equal(rp.regions.compute, COMPUTE[r]);
    equal(rp.regions.gather, 50);
  }
  // Idle as --stats reports it: the slowest rank's compute minus this one's.
  deepEqual(p.ranks.map((r) => r.idle), COMPUTE.map((c) => 66_000 - c));
  equal(p.wall, 66_200);
});

Deno.test("profile: calls per rank and aggregated, with shares", () => {
  const p = profileData({ program: "scatter.ts", size: 4 }, scatterLike());
  deepEqual(p.ranks[3].calls.map((c) => c.name), ["gatherv", "barrier"]);
  const g = p.calls.find((c) => c.name === "gatherv")!;
  equal(g.count, 4);
  equal(g.total, 3 * 50 + 5_100);
  equal(g.max, 5_100);
  const b = p.calls.find((c) => c.name === "barrier")!;
  equal(b.count, 4);
  equal(b.total, 400);
  equal(p.totals.spmd, g.total + b.total);
  equal(p.totals.wall, p.ranks.reduce((s, r) => s + r.wall, 0));
  equal(p.totals.sent, 3);
  // The call rows' %spmd shares of all ranks add up to 100%.
  const text = profileText({ program: "scatter.ts", size: 4 }, scatterLike());
  const allRanks = text.split("\n\n").find((s) => s.startsWith("Top calls, all ranks"))!;
  equal(allRanks.split("\n").length, 2 + 2);
  const shares = allRanks.split("\n").slice(2).map((l) => parseFloat(l.trim().split(/\s+/)[5]));
  ok(Math.abs(shares.reduce((s, x) => s + x, 0) - 100) < 0.2, allRanks);
  match(allRanks, new RegExp(`gatherv\\s+4\\s+${formatTime(g.total)}`));
});

Deno.test("profile: the imbalance is the max/mean of compute time, per region too", () => {
  const p = profileData({ program: "scatter.ts", size: 4 }, scatterLike());
  const mean = COMPUTE.reduce((s, x) => s + x, 0) / 4;
  const c = p.imbalance.compute;
  equal(c.min, 50_000);
  equal(c.max, 66_000);
  equal(c.maxRank, 2);
  equal(c.minRank, 1);
  ok(close(c.mean, mean));
  ok(close(c.ratio, 66_000 / mean));
  ok(close(p.imbalance.regions.compute.ratio, 66_000 / mean));
  deepEqual(p.regionNames, ["compute", "gather"]);
  const text = profileText({ program: "scatter.ts", size: 4 }, scatterLike());
  match(
    text,
    new RegExp(`compute \\(wall − spmd\\)\\s+50\\.0ms\\s+58\\.3ms\\s+66\\.0ms\\s+${(66_000 / mean).toFixed(3)}`),
  );
  match(text, new RegExp(`region compute\\s+.*${(66_000 / mean).toFixed(3)}\\s+rank 2`));
});

Deno.test("profile: the communication matrix sums to the bytes sent", () => {
  const ranks = scatterLike();
  // A few more messages, one to itself.
  ranks[0].events.push(ev("send", 1, 1, 1, 0, 1000), ev("send", 2, 2, 1, 1, 24), ev("send", 3, 3, 0, 0, 8));
  const m = commMatrix(4, ranks);
  const p = profileData({ program: "x", size: 4 }, ranks);
  for (let i = 0; i < 4; i++) {
    const row = m.bytes.slice(i * 4, i * 4 + 4).reduce((s, x) => s + x, 0);
    equal(row, p.ranks[i].sentBytes);
    equal(m.messages.slice(i * 4, i * 4 + 4).reduce((s, x) => s + x, 0), p.ranks[i].sent);
  }
  equal(m.bytes[0 * 4 + 1], 1024);
  equal(m.messages[0 * 4 + 1], 2);
  equal(m.bytes[0], 8);
  equal(m.bytes[2 * 4 + 3], BYTES[2]);
  const total = m.bytes.reduce((s, x) => s + x, 0);
  equal(total, p.totals.sentBytes);
  const text = profileText({ program: "x", size: 4 }, ranks);
  match(
    text,
    new RegExp(`to j\\s+8\\s+1\\.00K\\s+0\\s+${formatBytes(BYTES[0] + BYTES[1] + BYTES[2]).replace(".", "\\.")}`),
  );
  match(text, new RegExp(`\\|\\s+${formatBytes(total).replace(".", "\\.")}$`, "m"));
});

/** `size` ranks: each sends (r + 1) × 100 bytes to the next rank, with a barrier and a region. */
function ring(size: number): RankTrace[] {
  return [...Array(size).keys()].map((r) => ({
    rank: r,
    dropped: 0,
    names: ["step"],
    events: [
      ev("region", 0, 1000 + r, 0, 0),
      call("send", 10, 20, (r + 1) % size, (r + 1) * 100),
      ev("send", 15, 15, (r + 1) % size, 0, (r + 1) * 100),
      call("recv", 30, 40, (r + size - 1) % size),
      ev("recv", 35, 35, (r + size - 1) % size, 0, ((r + size - 1) % size + 1) * 100),
      call("barrier", 1000 + r, 2000),
    ],
  }));
}

Deno.test("profile text: headings, aligned columns, under 60 lines at 8 ranks", () => {
  const text = profileText({ program: "ring.ts", size: 8 }, ring(8));
  const lines = text.split("\n");
  ok(lines.length <= 60, `${lines.length} lines:\n${text}`);
  for (
    const h of ["spmd profile: ring.ts, 8 ranks", "Per rank", "Load imbalance over 8 ranks", "Top calls, all ranks"]
  ) ok(lines.some((l) => l.startsWith(h)), `no heading ${h}:\n${text}`);
  // Columns align: in the per-rank table every row has the same length up to the region bar.
  const perRank = text.split("\n\n").find((s) => s.startsWith("Per rank"))!.split("\n").slice(1);
  equal(perRank.length, 9);
  const bar = perRank.map((l) => l.indexOf("|"));
  ok(bar.every((x) => x === bar[0] && x > 0), perRank.join("\n"));
  // The matrix: 8 rows, the diagonal above it.
  const matrix = text.split("\n\n").find((s) => s.startsWith("Communication matrix"))!.split("\n");
  equal(matrix.length, 1 + 1 + 8 + 1);
  match(matrix[2], /^\s+0\s+·\s+100\s+·/);
});

Deno.test("profile text: beyond 16 ranks, the top pairs instead of the matrix", () => {
  const text = profileText({ program: "ring.ts", size: 20 }, ring(20));
  match(text, /Communication: 20 of 20×20 rank pairs exchanged messages, .*top 10 by bytes/);
  const section = text.split("\n\n").find((s) => s.startsWith("Communication:"))!.split("\n");
  equal(section.length, 2 + 10);
  match(section[2], /^\s+19\s+0\s+1\.95K\s+1\s+/); // rank 19 sends the most: 2000 bytes to rank 0
});

Deno.test("profile: wall times given by the launcher; missing ranks and dropped events noted", () => {
  const ranks = scatterLike().filter((t) => t.rank !== 1);
  ranks[0].dropped = 12;
  const p = profileData({ program: "x", size: 4 }, ranks, [100_000, 100_000, 100_000, 100_000]);
  equal(p.ranks[0].wall, 100_000);
  equal(p.ranks[0].compute, 100_000 - 150);
  equal(p.ranks[1].traced, false);
  equal(p.imbalance.compute.min, 100_000 - 5_200);
  const text = profileText({ program: "x", size: 4 }, ranks, [100_000, 100_000, 100_000, 100_000]);
  match(text, /note: rank 0 lost 12 oldest events/);
  match(text, /note: no trace of rank 1/);
  match(text, /^\s+1\s+no trace$/m);
});

Deno.test("profile: a region's repeated or nested spans count once", () => {
  const t: RankTrace = {
    rank: 0,
    dropped: 0,
    names: ["a"],
    events: [ev("region", 10, 20, 0, 1), ev("region", 0, 30, 0, 0), ev("region", 40, 50, 0, 0)],
  };
  equal(profileData({ program: "x", size: 1 }, [t]).ranks[0].regions.a, 40);
});

Deno.test("profile: bad input throws SpmdError naming the call and the value", () => {
  throws(
    () => profileText({ program: "x", size: 0 }, []),
    (e: Error) => e instanceof SpmdError && /profileText.*0/.test(e.message),
  );
  throws(
    () => commMatrixSvg({ program: "x", size: 2 }, [{ rank: 5, events: [], dropped: 0, names: [] }]),
    (e: Error) => e instanceof SpmdError && /commMatrixSvg.*0\.\.1.*5/.test(e.message),
  );
});

/** Checks that `svg` is well-formed XML (tags nest and close, attributes quoted, text escaped). */
function assertWellFormed(svg: string): void {
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = token.exec(svg)) !== null) {
    end = token.lastIndex;
    if (m[5] !== undefined) {
      ok(!/&(?!(amp|lt|gt|quot|#\d+);)/.test(m[5]), `bare & in text: ${m[5]}`);
      ok(stack.length > 0 || m[5].trim() === "", `text outside the root: ${m[5]}`);
      continue;
    }
    const [, close, name, , self] = m;
    if (close) equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else if (!self) stack.push(name);
  }
  equal(end, svg.length, `not XML at: ${svg.slice(end, end + 80)}`);
  deepEqual(stack, []);
  match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
}

Deno.test("heat map: well-formed SVG with size×size cells, a legend and values", () => {
  for (const size of [1, 4, 8, 20, 64]) {
    const svg = commMatrixSvg({ program: 'ring <&> "test".ts', size }, ring(size));
    assertWellFormed(svg);
    equal(svg.match(/<rect class="cell"/g)?.length, size * size, `size ${size}`);
    match(svg, /linearGradient/);
    ok(!/href="http|@import|<script/.test(svg), "self-contained");
  }
  const svg = commMatrixSvg({ program: "ring.ts", size: 4 }, ring(4));
  match(svg, /rank 0 → rank 1: 100 bytes \(100\), 1 message/);
  match(svg, />400<\/text>/); // cell values drawn at 4 ranks
  match(svg, /rank 0 → rank 2: no message/);
});

Deno.test("heat map: no messages, and blocks of ranks beyond 128", () => {
  const quiet = commMatrixSvg({ program: "x", size: 3 }, []);
  assertWellFormed(quiet);
  match(quiet, /no messages/);
  match(quiet, /traces of 3 rank\(s\) missing/);
  const big = commMatrixSvg({ program: "x", size: 300 }, ring(300));
  assertWellFormed(big);
  equal(big.match(/<rect class="cell"/g)?.length, 100 * 100);
  match(big, /each cell sums a block of 3×3 ranks/);
});
