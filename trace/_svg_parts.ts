/**
 * Pieces of the SVG timeline: colours, number formats, XML escaping, the
 * time axis and the legend.
 *
 * @module
 */

import type { Family } from "./_model.ts";

/** Fill of each call family. */
export const FAMILY_COLOURS: Record<Family, string> = {
  p2p: "#4e79a7",
  wait: "#f28e2b",
  collective: "#59a14f",
  barrier: "#b07aa1",
  communicator: "#76b7b2",
  finalize: "#9c755f",
  other: "#bab0ac",
};

/** What each family means, for the legend. */
export const FAMILY_LABELS: Record<Family, string> = {
  p2p: "point-to-point (send, recv, sendrecv, probe)",
  wait: "waiting on requests (wait, waitAll)",
  collective: "collective (bcast, gather, reduce, ...)",
  barrier: "barrier",
  communicator: "communicators (split, dup)",
  finalize: "finalize",
  other: "other calls",
};

/** Fills of user regions, in order of first appearance. */
export const REGION_COLOURS = [
  "#fde8a6",
  "#cfe3f5",
  "#f8cfdd",
  "#d3efc9",
  "#e4d6f5",
  "#fcdcbc",
  "#c9ece8",
  "#e6e1c6",
];

/** Background of a row: the rank's own code, outside spmd calls. */
export const IDLE_FILL = "#f3f3f3";
/** Fill of merged short calls ("busy"); its opacity is the share of time in calls. */
export const BUSY_FILL = "#3b3b3b";
/** Stroke of point-to-point messages. */
export const P2P_ARROW = "#1f1f1f";
/** Stroke of collectives' internal messages. */
export const COLL_ARROW = "#6a3d9a";
/** Red of failure text. */
export const FAIL = "#c0392b";

/** `s` escaped for XML text and attribute values, without characters XML 1.0 forbids. */
export function esc(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 38) out += "&amp;";
    else if (c === 60) out += "&lt;";
    else if (c === 62) out += "&gt;";
    else if (c === 34) out += "&quot;";
    else if (c === 39) out += "&apos;";
    else if (c < 32 && c !== 9 && c !== 10 && c !== 13) out += "\uFFFD";
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) out += s[i] + s[++i];
      else out += "\uFFFD";
    } else if ((c >= 0xdc00 && c <= 0xdfff) || c === 0xfffe || c === 0xffff) out += "\uFFFD";
    else out += s[i];
  }
  return out;
}

/** A number for an attribute: at most 2 decimals. */
export function num(x: number): string {
  return String(Math.round(x * 100) / 100);
}

/** A duration (µs) in µs, ms or s, with `digits` decimals (default: 3 significant). */
export function fmtTime(us: number, digits?: number): string {
  const a = Math.abs(us);
  const [v, unit] = a >= 1e6 ? [us / 1e6, "s"] : a >= 1e3 ? [us / 1e3, "ms"] : [us, "µs"];
  const d = digits ?? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2);
  return `${v.toFixed(d)} ${unit}`;
}

/** A byte count in B, KiB, MiB or GiB. */
export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

/** The round step (1, 2 or 5 × 10^k) nearest `raw`. */
export function niceStep(raw: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / p;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

/**
 * The time axis under the rows: a line, ticks every round step with labels
 * in one unit, light grid lines up through the rows, and its title.
 */
export function axis(
  svg: string[],
  o: { left: number; width: number; top: number; bottom: number; span: number; title: string },
): void {
  const step = niceStep(o.span / Math.max(2, Math.floor(o.width / 110)));
  const [scale, unit] = step >= 1e6 ? [1e6, "s"] : step >= 1e3 ? [1e3, "ms"] : [1, "µs"];
  const digits = Math.max(0, -Math.floor(Math.log10(step / scale) + 1e-9));
  const y = o.bottom + 4;
  svg.push(`<g class="axis">`);
  svg.push(`<line x1="${num(o.left)}" y1="${y}" x2="${num(o.left + o.width)}" y2="${y}" stroke="#444"/>`);
  for (let k = 0; k * step <= o.span * (1 + 1e-9); k++) {
    const x = num(o.left + (k * step) / o.span * o.width);
    svg.push(`<line x1="${x}" y1="${o.top}" x2="${x}" y2="${o.bottom}" stroke="#000" stroke-opacity="0.08"/>`);
    svg.push(`<line x1="${x}" y1="${y}" x2="${x}" y2="${y + 5}" stroke="#444"/>`);
    svg.push(`<text x="${x}" y="${y + 17}" text-anchor="middle">${(k * step / scale).toFixed(digits)} ${unit}</text>`);
  }
  svg.push(
    `<text x="${num(o.left + o.width / 2)}" y="${y + 34}" text-anchor="middle" class="dim">${esc(o.title)}</text>`,
  );
  svg.push(`</g>`);
}

/** One legend entry: a swatch (fill, or an arrow in a colour) and its text. */
export interface LegendItem {
  /** Swatch fill, or stroke of an arrow swatch. */
  colour: string;
  /** Text. */
  label: string;
  /** Draw an arrow instead of a box. */
  arrow?: boolean;
  /** Fill opacity of the box. */
  opacity?: number;
}

/** Lays the legend out in lines from `top`, at most `width` wide; returns the y under it. */
export function legend(svg: string[], items: readonly LegendItem[], left: number, top: number, width: number): number {
  let x = left;
  let y = top;
  svg.push(`<g class="legend">`);
  for (const it of items) {
    const w = 22 + it.label.length * 5.8 + 18;
    if (x > left && x + w > left + width) {
      x = left;
      y += 18;
    }
    if (it.arrow) {
      svg.push(
        `<line x1="${num(x)}" y1="${y + 5}" x2="${num(x + 16)}" y2="${y + 5}" stroke="${it.colour}" ` +
          `marker-end="url(#${it.colour === COLL_ARROW ? "ahc" : "ah"})"/>`,
      );
    } else {
      const op = it.opacity !== undefined ? ` fill-opacity="${it.opacity}"` : "";
      svg.push(`<rect x="${num(x)}" y="${y}" width="16" height="10" fill="${it.colour}"${op} stroke="#999"/>`);
    }
    svg.push(`<text x="${num(x + 22)}" y="${y + 9}">${esc(it.label)}</text>`);
    x += w;
  }
  svg.push(`</g>`);
  return y + 18;
}

/**
 * The arrowheads of messages (`ah` point-to-point, `ahc` collective; `arrowHead` px), the hatch of lost
 * events (`lost`), and the style sheet (`.rg` region bands, `.m`/`.mc` message arrows).
 */
export function defs(arrowHead: number): string {
  const a = num(arrowHead);
  const head = (id: string, colour: string): string =>
    `<marker id="${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="${a}" markerHeight="${a}" ` +
    `markerUnits="userSpaceOnUse" orient="auto"><path d="M0,1L10,5L0,9z" fill="${colour}"/></marker>`;
  const lost = `<pattern id="lost" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
    `<line x1="0" y1="0" x2="0" y2="6" stroke="#bbb" stroke-width="2"/></pattern>`;
  return `<defs>${head("ah", P2P_ARROW)}${head("ahc", COLL_ARROW)}${lost}</defs>` +
    `<style>text{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;font-size:11px;fill:#222}` +
    `.title{font-size:16px;font-weight:600}.rg{stroke:#000;stroke-opacity:0.15}.dim{fill:#666}.fail{fill:${FAIL}}.lbl{font-size:10px}` +
    `.m{stroke:${P2P_ARROW};stroke-opacity:0.75;marker-end:url(#ah)}` +
    `.mc{stroke:${COLL_ARROW};stroke-opacity:0.6;marker-end:url(#ahc)}</style>`;
}
