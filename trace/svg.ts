/**
 * The trace drawn as the course draws a parallel run: an SVG timeline with
 * one row per rank (rank 0 on top) and time running left to right.
 *
 * - Each spmd call is a block coloured by its family (point-to-point,
 *   waiting, collective, barrier, communicators, finalize); user regions
 *   are pastel bands behind the calls, named when there is room. The light
 *   row background is the rank's own code between calls.
 * - Each message is an arrow from the sender's row at its send to the
 *   receiver's row at its receive (collectives' internal messages in
 *   purple).
 * - A time axis (µs, ms or s), a title with the program and totals, a
 *   legend, and the share of each rank's time spent inside calls.
 * - Large traces are aggregated and the picture says so: calls shorter
 *   than a pixel that follow each other closely become one grey "busy"
 *   mark whose darkness is the share of its time inside calls, and at most
 *   `maxArrows` messages are drawn ("k of n messages drawn").
 *
 * Self-contained SVG (a style sheet, no script), valid XML.
 *
 * @module
 */

import { callName, commId, isCollectiveContext } from "../transport/calls.ts";
import type { RankTrace, TraceEvent } from "../transport/trace.ts";
import {
  callFamily,
  eventsOf,
  FAMILIES,
  type Family,
  type Message,
  pairMessages,
  programName,
  timeSpan,
} from "./_model.ts";
import {
  axis,
  BUSY_FILL,
  COLL_ARROW,
  defs,
  esc,
  FAMILY_COLOURS,
  FAMILY_LABELS,
  fmtBytes,
  fmtTime,
  IDLE_FILL,
  legend,
  type LegendItem,
  num,
  P2P_ARROW,
  REGION_COLOURS,
} from "./_svg_parts.ts";
import type { TraceJob } from "./types.ts";

export type { RankTrace, TraceEvent, TraceJob } from "./types.ts";

/** How to draw the timeline. */
export interface TraceSvgOptions {
  /** Width of the picture, px (default 1200, at least 400). */
  width?: number;
  /** Most message arrows to draw (default 400); the rest are counted in a note. */
  maxArrows?: number;
}

/** Most message arrows drawn by default. */
export const MAX_ARROWS_DEFAULT = 400;
/** Blocks narrower than this (px) are merged with their close neighbours. */
const MIN_PX = 1;
/** Short blocks closer than this (px) join one busy mark. */
const GAP_PX = 2;
/** Blocks get a hover title only when the trace has at most this many events. */
const TOOLTIP_EVENTS = 5000;
const LEFT = 84;
const RIGHT = 64;

interface Row {
  y: number;
  h: number;
  /** Top and height of the call band. */
  callY: number;
  callH: number;
}

/** Draws the trace of `job` (the events of `ranks`) as an SVG timeline; returns the SVG text. */
export function renderTraceSvg(job: TraceJob, ranks: RankTrace[], options: TraceSvgOptions = {}): string {
  const width = Math.max(400, options.width ?? 1200);
  const maxArrows = Math.max(0, options.maxArrows ?? MAX_ARROWS_DEFAULT);
  const size = Math.max(1, job.size, ...ranks.map((r) => r.rank + 1));
  const byRank = new Map(ranks.map((r) => [r.rank, r]));
  const { t0, t1 } = timeSpan(ranks);
  const span = Math.max(t1 - t0, 1);
  const plotW = width - LEFT - RIGHT;
  const x = (t: number): number => LEFT + (t - t0) / span * plotW;
  const messages = pairMessages(ranks);
  const totalEvents = ranks.reduce((n, r) => n + r.events.length, 0);
  const tooltips = totalEvents <= TOOLTIP_EVENTS;

  // Region colours by name, in order of first appearance.
  const regionColour = new Map<string, string>();
  const regionName = (rt: RankTrace, e: TraceEvent): string => rt.names[e.a] ?? "region";
  for (const rt of ranks) {
    for (const e of rt.events) {
      const name = e.type === "region" ? regionName(rt, e) : undefined;
      if (name !== undefined && !regionColour.has(name)) {
        regionColour.set(name, REGION_COLOURS[regionColour.size % REGION_COLOURS.length]);
      }
    }
  }

  const svg: string[] = [];
  const top = job.failed !== undefined ? 80 : 62;
  const h = Math.max(12, Math.min(44, Math.floor(640 / size)));
  const pad = Math.max(1, Math.round(h * 0.08));
  const hasRegions = regionColour.size > 0;
  const rowOf = (r: number): Row => {
    const y = top + r * h;
    return hasRegions ? { y, h, callY: y + h * 0.4, callH: h * 0.5 } : { y, h, callY: y + h * 0.18, callH: h * 0.64 };
  };

  // Rows.
  const families = new Set<Family>();
  const stats = { calls: 0, callTime: 0, regions: 0, merged: 0, marks: 0 };
  const font = Math.min(11, Math.max(7, Math.floor(h * 0.7)));
  svg.push(`<text x="${width - RIGHT + 6}" y="${top - 6}" class="dim">in calls</text>`);
  for (let r = 0; r < size; r++) {
    const row = rowOf(r);
    const rt = byRank.get(r);
    const mid = num(row.y + h / 2 + font * 0.35);
    svg.push(`<g class="rank" id="rank-${r}">`);
    svg.push(
      `<rect x="${LEFT}" y="${row.y + pad}" width="${num(plotW)}" height="${h - 2 * pad}" fill="${IDLE_FILL}"/>`,
    );
    svg.push(
      `<text x="${LEFT - 8}" y="${mid}" text-anchor="end" style="font-size:${font}px">rank ${r}` +
        `${rt !== undefined && rt.dropped > 0 ? "*" : ""}</text>`,
    );
    if (rt === undefined) {
      svg.push(`<text x="${LEFT + 6}" y="${mid}" class="dim" style="font-size:${font}px">not traced</text>`);
      svg.push(`</g>`);
      continue;
    }
    if (rt.dropped > 0 && rt.events.length > 0) {
      const first = rt.events.reduce((t, e) => Math.min(t, e.start), Infinity);
      svg.push(
        `<rect x="${LEFT}" y="${row.y + pad}" width="${num(x(first) - LEFT)}" height="${h - 2 * pad}" ` +
          `fill="url(#lost)"><title>${rt.dropped} older events dropped (trace buffer wrapped)</title></rect>`,
      );
    }
    const regions = eventsOf(rt, "region");
    stats.regions += regions.length;
    drawRegions(svg, rt, regions, row, pad, x, regionColour, regionName, tooltips);
    const calls = eventsOf(rt, "call");
    let callTime = 0;
    for (const c of calls) {
      callTime += c.end - c.start;
      families.add(callFamily(c.a));
    }
    stats.calls += calls.length;
    stats.callTime += callTime;
    const m = drawCalls(svg, r, calls, row, x, tooltips);
    stats.merged += m.merged;
    stats.marks += m.marks;
    svg.push(
      `<text x="${width - RIGHT + 6}" y="${mid}" style="font-size:${font}px">${
        Math.round(100 * callTime / span)
      }%</text>`,
    );
    svg.push(`</g>`);
  }
  const bottom = top + size * h;

  // Arrows.
  const n = messages.matched.length;
  const drawn = drawArrows(svg, messages.matched, maxArrows, rowOf, x, n <= 1000);

  // Title.
  const head: string[] = [];
  const bytes = messages.matched.reduce((s, m) => s + Math.max(0, m.bytes), 0);
  const share = Math.round(100 * stats.callTime / (span * Math.max(1, ranks.length)));
  head.push(`<text x="12" y="24" class="title">${esc(programName(job.program))}: ${size} ranks</text>`);
  head.push(
    `<text x="12" y="44" class="dim">${esc(fmtTime(span))} traced · ${stats.calls} calls, ${share}% of the ranks' ` +
      `time inside spmd calls · ${n} messages (${esc(fmtBytes(bytes))}) · ${stats.regions} regions</text>`,
  );
  if (job.failed !== undefined) {
    const first = job.failed.split("\n").find((l) => l.trim() !== "") ?? "failed";
    const text = first.length > 170 ? `${first.slice(0, 167)}...` : first;
    head.push(`<text x="12" y="63" class="fail">failed: ${esc(text)} (the trace ends at the failure)</text>`);
  }

  // Axis, legend, notes.
  axis(svg, {
    left: LEFT,
    width: plotW,
    top,
    bottom,
    span,
    title: `time since the first event${t0 > 0 ? ` (${fmtTime(t0)} after the job started)` : ""}`,
  });
  const items: LegendItem[] = FAMILIES.filter((f) => families.has(f))
    .map((f) => ({ colour: FAMILY_COLOURS[f], label: FAMILY_LABELS[f] }));
  items.push({ colour: IDLE_FILL, label: "the rank's own code (between calls)" });
  if (stats.marks > 0) items.push({ colour: BUSY_FILL, opacity: 0.6, label: "many short calls (busy)" });
  const names = [...regionColour.keys()];
  for (const name of names.slice(0, 12)) items.push({ colour: regionColour.get(name)!, label: `region "${name}"` });
  if (messages.matched.some((m) => !isCollectiveContext(m.context))) {
    items.push({ colour: P2P_ARROW, arrow: true, label: "message: send → receive" });
  }
  if (messages.matched.some((m) => isCollectiveContext(m.context))) {
    items.push({ colour: COLL_ARROW, arrow: true, label: "a collective's message" });
  }
  let y = legend(svg, items, LEFT, bottom + 50, plotW);
  const notes: string[] = [];
  if (names.length > 12) notes.push(`${names.length - 12} more regions not in the legend.`);
  if (stats.marks > 0) {
    notes.push(
      `${stats.merged} calls shorter than a pixel are drawn merged into ${stats.marks} grey busy marks ` +
        `(darker: more of the mark's time inside calls).`,
    );
  }
  if (drawn < n) notes.push(`${drawn} of ${n} messages drawn (evenly spread in send order).`);
  if (messages.unreceived + messages.unsent > 0) {
    notes.push(
      `${messages.unreceived} sends without their receive and ${messages.unsent} receives without their send ` +
        `in the trace are not drawn.`,
    );
  }
  const lost = ranks.filter((r) => r.dropped > 0);
  if (lost.length > 0) {
    const list = lost.slice(0, 8).map((r) => `rank ${r.rank} (${r.dropped})`).join(", ");
    notes.push(
      `* lost its oldest events when its trace buffer wrapped (hatched): ${list}${lost.length > 8 ? ", ..." : ""}.`,
    );
  }
  for (const note of notes) {
    svg.push(`<text x="${LEFT}" y="${y + 12}" class="dim note">${esc(note)}</text>`);
    y += 16;
  }

  const height = Math.ceil(y + 12);
  return `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n` +
    `<title>${esc(programName(job.program))}: timeline of ${size} ranks</title>\n` +
    `${defs(Math.max(4, Math.min(7, h * 0.45)))}\n<rect width="${width}" height="${height}" fill="#fff"/>\n` +
    `${head.join("\n")}\n${svg.join("\n")}\n</svg>\n`;
}

/** A rank's calls: one block each, or merged busy marks where they are shorter than a pixel. */
function drawCalls(
  svg: string[],
  rank: number,
  calls: readonly TraceEvent[],
  row: Row,
  x: (t: number) => number,
  tooltips: boolean,
): { merged: number; marks: number } {
  let merged = 0;
  let marks = 0;
  let run: { x0: number; x1: number; busy: number; n: number; first: TraceEvent } | undefined;
  const labels = row.h >= 20;
  const block = (c: TraceEvent, x0: number, w: number): void => {
    const name = callName(c.a);
    const tip = tooltips ? `<title>${esc(callTitle(rank, c))}</title>` : "";
    svg.push(
      `<rect x="${num(x0)}" y="${num(row.callY)}" width="${num(Math.max(w, MIN_PX))}" height="${num(row.callH)}" ` +
        `fill="${FAMILY_COLOURS[callFamily(c.a)]}">${tip}</rect>`,
    );
    if (labels && w > name.length * 5.8 + 6) {
      svg.push(
        `<text x="${num(x0 + w / 2)}" y="${num(row.callY + row.callH / 2 + 3.5)}" text-anchor="middle" ` +
          `class="lbl" style="fill:#fff">${esc(name)}</text>`,
      );
    }
  };
  const flush = (): void => {
    if (run === undefined) return;
    if (run.n === 1) block(run.first, run.x0, run.x1 - run.x0);
    else {
      const w = Math.max(run.x1 - run.x0, MIN_PX);
      const op = Math.min(1, 0.25 + 0.75 * Math.min(1, run.busy / w));
      svg.push(
        `<rect x="${num(run.x0)}" y="${num(row.callY)}" width="${num(w)}" height="${num(row.callH)}" ` +
          `fill="${BUSY_FILL}" fill-opacity="${num(op)}"/>`,
      );
      merged += run.n;
      marks++;
    }
    run = undefined;
  };
  for (const c of calls) {
    const a = x(c.start);
    const b = x(c.end);
    if (b - a >= MIN_PX) {
      flush();
      block(c, a, b - a);
    } else if (run !== undefined && a - run.x1 <= GAP_PX) {
      run.x1 = Math.max(run.x1, b);
      run.busy += b - a;
      run.n++;
    } else {
      flush();
      run = { x0: a, x1: b, busy: b - a, n: 1, first: c };
    }
  }
  flush();
  return { merged, marks };
}

/** A rank's user regions: bands behind its calls (nested ones inset), short ones merged. */
function drawRegions(
  svg: string[],
  rt: RankTrace,
  regions: readonly TraceEvent[],
  row: Row,
  pad: number,
  x: (t: number) => number,
  colour: Map<string, string>,
  nameOf: (rt: RankTrace, e: TraceEvent) => string,
  tooltips: boolean,
): void {
  const inset = Math.max(1, row.h * 0.06);
  const font = Math.min(10, row.h * 0.26);
  // The last band drawn at each depth, extended while regions there stay shorter than a pixel.
  const open = new Map<number, { x0: number; x1: number; name: string; n: number; depth: number }>();
  const draw = (b: { x0: number; x1: number; name: string; n: number; depth: number }): void => {
    const y = row.y + pad + b.depth * inset;
    const hh = Math.max(2, row.h - 2 * pad - 2 * b.depth * inset);
    const w = Math.max(b.x1 - b.x0, MIN_PX);
    const label = b.n === 1 ? b.name : `${b.n} regions`;
    const tip = tooltips ? `<title>${esc(`rank ${rt.rank}: ${label}`)}</title>` : "";
    svg.push(
      `<rect x="${num(b.x0)}" y="${num(y)}" width="${num(w)}" height="${num(hh)}" fill="${colour.get(b.name)}" ` +
        `class="rg">${tip}</rect>`,
    );
    if (row.h >= 20 && w > label.length * 5.5 + 6) {
      svg.push(
        `<text x="${num(b.x0 + 3)}" y="${num(y + font + 1)}" class="lbl" style="font-size:${num(font)}px">` +
          `${esc(label)}</text>`,
      );
    }
  };
  for (const r of regions) {
    const a = x(r.start);
    const b = x(r.end);
    const depth = Math.max(0, Math.min(6, r.b));
    const cur = open.get(depth);
    if (cur !== undefined && b - a < MIN_PX && cur.x1 - cur.x0 < MIN_PX * 3 && a - cur.x1 <= GAP_PX) {
      cur.x1 = Math.max(cur.x1, b);
      cur.n++;
      continue;
    }
    if (cur !== undefined) draw(cur);
    open.set(depth, { x0: a, x1: b, name: nameOf(rt, r), n: 1, depth });
  }
  for (const b of open.values()) draw(b);
}

/** Message arrows, at most `max` of them evenly spread; returns how many were drawn. */
function drawArrows(
  svg: string[],
  messages: readonly Message[],
  max: number,
  rowOf: (r: number) => Row,
  x: (t: number) => number,
  tooltips: boolean,
): number {
  const n = messages.length;
  const count = Math.min(n, max);
  svg.push(`<g class="messages">`);
  for (let i = 0; i < count; i++) {
    const m = messages[count === n ? i : Math.floor(i * n / count)];
    const s = rowOf(m.src);
    const d = rowOf(m.dst);
    const down = m.dst > m.src;
    const y1 = m.dst === m.src ? s.callY + s.callH / 2 : down ? s.callY + s.callH : s.callY;
    const y2 = m.dst === m.src ? d.callY + d.callH / 2 : down ? d.callY : d.callY + d.callH;
    const cls = isCollectiveContext(m.context) ? "mc" : "m";
    const tip = tooltips
      ? `<title>${
        esc(
          `rank ${m.src} → rank ${m.dst}: ${m.bytes >= 0 ? fmtBytes(m.bytes) : "?"}, tag ${m.tag}, ` +
            `comm ${commId(m.context)}, ${fmtTime(m.received - m.sent)} in flight`,
        )
      }</title>`
      : "";
    svg.push(
      `<line x1="${num(x(m.sent))}" y1="${num(y1)}" x2="${num(x(m.received))}" y2="${num(y2)}" class="${cls}">` +
        `${tip}</line>`,
    );
  }
  svg.push(`</g>`);
  return count;
}

function callTitle(rank: number, c: TraceEvent): string {
  const parts = [`rank ${rank}: ${callName(c.a)}, ${fmtTime(c.end - c.start)}`];
  const f = callFamily(c.a);
  if (c.b >= 0) parts.push(`${f === "collective" || f === "barrier" ? "root" : "peer"} ${c.b}`);
  if (c.tag >= 0) parts.push(`tag ${c.tag}`);
  if (c.bytes >= 0) parts.push(fmtBytes(c.bytes));
  if (c.context >= 0) parts.push(`comm ${commId(c.context)}`);
  return parts.join(", ");
}
