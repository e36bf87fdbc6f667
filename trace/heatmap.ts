/**
 * The communication matrix of a traced job (bytes sent from rank i to rank
 * j) drawn as an SVG heat map: one cell per pair of ranks, a colour scale
 * with its legend (logarithmic when the values span more than two decades),
 * rank labels, the value in each cell when there is room, and a tooltip
 * (`<title>`) per cell. Self-contained: no fonts, scripts or stylesheets
 * from elsewhere. Beyond 128 ranks a cell sums a block of ranks, and the
 * picture says so.
 *
 * @module
 */

import type { RankTrace } from "../transport/trace.ts";
import { checkJob, commMatrix, formatBytes, type ProfileJob } from "./profile_data.ts";

/** Most cells drawn per side; more ranks are grouped in blocks. */
const MAX_CELLS = 128;
/** Target side of the matrix, px. */
const GRID_PX = 480;
/** ColorBrewer YlOrRd (9 classes): light for few bytes, dark for many. */
const SCALE = ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"];
/** Fill of a pair that exchanged no message. */
const NONE = "#ececec";
const FONT = `font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"`;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Colour at t in [0, 1] on {@linkcode SCALE}. */
function colour(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (SCALE.length - 1);
  const i = Math.min(SCALE.length - 2, Math.floor(x));
  const f = x - i;
  const a = parseInt(SCALE[i].slice(1), 16);
  const b = parseInt(SCALE[i + 1].slice(1), 16);
  let out = "#";
  for (const shift of [16, 8, 0]) {
    const ca = (a >> shift) & 255;
    const cb = (b >> shift) & 255;
    out += Math.round(ca + (cb - ca) * f).toString(16).padStart(2, "0");
  }
  return out;
}

/** Maps byte counts to [0, 1]: linear from 0, or logarithmic between the smallest and largest non-zero values. */
interface Scale {
  log: boolean;
  lo: number;
  hi: number;
  t(v: number): number;
}

function makeScale(values: Float64Array): Scale {
  let lo = Infinity;
  let hi = 0;
  for (const v of values) {
    if (v > 0 && v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi === 0) return { log: false, lo: 0, hi: 0, t: () => 0 };
  if (hi / lo > 100) {
    const span = Math.log(hi / lo);
    return { log: true, lo, hi, t: (v) => Math.log(v / lo) / span };
  }
  return { log: false, lo: 0, hi, t: (v) => v / hi };
}

/** Every how many cells a label fits (1, 2, 5, 10, 20, 50, ...). */
function labelStep(cell: number, digits: number): number {
  const need = digits * 6.5 + 4;
  for (let k = 1;; k *= 10) {
    for (const m of [1, 2, 5]) if (m * k * cell >= need) return m * k;
  }
}

function legend(x: number, y: number, h: number, scale: Scale): string[] {
  const out: string[] = [];
  out.push(`<text x="${x}" y="${y - 8}" font-size="11">bytes${scale.log ? " (log scale)" : ""}</text>`);
  if (scale.hi === 0) {
    out.push(`<text x="${x}" y="${y + 14}" font-size="11">no messages</text>`);
  } else {
    const stops = SCALE.map((c, i) =>
      `<stop offset="${(100 * (1 - i / (SCALE.length - 1))).toFixed(1)}%" stop-color="${c}"/>`
    );
    out.push(
      `<defs><linearGradient id="spmd-matrix-scale" x1="0" y1="0" x2="0" y2="1">${stops.reverse().join("")}` +
        `</linearGradient></defs>`,
      `<rect x="${x}" y="${y}" width="16" height="${h}" fill="url(#spmd-matrix-scale)" stroke="#999" stroke-width="0.5"/>`,
    );
    const ticks = scale.log ? [scale.hi, Math.sqrt(scale.lo * scale.hi), scale.lo] : [scale.hi, scale.hi / 2, 0];
    ticks.forEach((v, i) => {
      const ty = y + (h * i) / 2;
      out.push(
        `<line x1="${x + 16}" y1="${ty}" x2="${x + 20}" y2="${ty}" stroke="#555"/>`,
        `<text x="${x + 23}" y="${ty + 4}" font-size="11">${formatBytes(v)}</text>`,
      );
    });
  }
  const zy = y + h + 16;
  out.push(
    `<rect x="${x}" y="${zy}" width="16" height="12" fill="${NONE}" stroke="#999" stroke-width="0.5"/>`,
    `<text x="${x + 23}" y="${zy + 10}" font-size="11">none</text>`,
  );
  return out;
}

/**
 * The communication matrix of a job as an SVG heat map: rows are sending
 * ranks, columns receiving ranks, a cell's colour the payload bytes sent
 * (from the ranks' "send" events, collectives' traffic included). Throws
 * SpmdError for a bad `job.size` or a trace whose rank is outside the job.
 */
export function commMatrixSvg(job: ProfileJob, ranks: RankTrace[]): string {
  checkJob("commMatrixSvg", job, ranks);
  const size = job.size;
  const m = commMatrix(size, ranks);
  // Cells: one per pair, or per block of ranks beyond MAX_CELLS.
  const block = Math.ceil(size / MAX_CELLS);
  const n = Math.ceil(size / block);
  const bytes = new Float64Array(n * n);
  const msgs = new Float64Array(n * n);
  let total = 0;
  let messages = 0;
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const c = Math.floor(i / block) * n + Math.floor(j / block);
      bytes[c] += m.bytes[i * size + j];
      msgs[c] += m.messages[i * size + j];
      total += m.bytes[i * size + j];
      messages += m.messages[i * size + j];
    }
  }
  const scale = makeScale(bytes);
  const cell = Math.max(3, Math.min(48, Math.floor(GRID_PX / n)));
  const grid = n * cell;
  const L = 60;
  const T = 72;
  const legendX = L + grid + 28;
  const legendH = Math.max(100, Math.min(grid - 40, 240));
  const title = "Communication matrix: bytes sent from rank (row) to rank (column)";
  const subtitle = `${job.program} · ${size} rank${size === 1 ? "" : "s"} · ${formatBytes(total)} bytes in ` +
    `${messages} message${messages === 1 ? "" : "s"} (K/M/G of 1024)`;
  // Text widths estimated at 8.6 px a character in bold 14 px, 6.3 in 11 px.
  const width = Math.ceil(Math.max(legendX + 90, 16 + title.length * 8.6, 16 + subtitle.length * 6.3));
  const height = T + Math.max(grid, legendH + 52) + (block > 1 ? 34 : 18);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `${FONT} font-size="11" fill="#222">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="8" y="18" font-size="14" font-weight="bold">${title}</text>`,
    `<text x="8" y="34">${esc(subtitle)}</text>`,
    `<text x="${L + grid / 2}" y="${T - 24}" text-anchor="middle">to rank →</text>`,
    `<text transform="translate(16 ${T + grid / 2}) rotate(-90)" text-anchor="middle">from rank →</text>`,
  );
  // Rank labels.
  const step = labelStep(cell, String(size - 1).length);
  const labels: string[] = [];
  for (let k = 0; k < n; k += step) {
    const c = k * cell + cell / 2;
    const label = String(k * block);
    labels.push(
      `<text x="${L + c}" y="${T - 6}" text-anchor="middle">${label}</text>`,
      `<text x="${L - 6}" y="${T + c + 4}" text-anchor="end">${label}</text>`,
    );
  }
  out.push(`<g font-size="10" fill="#444">`, ...labels, `</g>`);
  // Cells.
  const showValues = cell >= 36;
  out.push(`<g${cell >= 8 ? ` stroke="#fff" stroke-width="1"` : ""}>`);
  const values: string[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const c = i * n + j;
      const x = L + j * cell;
      const y = T + i * cell;
      const t = scale.t(bytes[c]);
      const fill = msgs[c] > 0 ? colour(t) : NONE;
      const who = block === 1
        ? `rank ${i} → rank ${j}`
        : `ranks ${i * block}-${Math.min(size, (i + 1) * block) - 1} → ranks ${j * block}-${
          Math.min(size, (j + 1) * block) - 1
        }`;
      const tip = msgs[c] > 0
        ? `${who}: ${formatBytes(bytes[c])} bytes (${bytes[c]}), ${msgs[c]} message${msgs[c] === 1 ? "" : "s"}`
        : `${who}: no message`;
      out.push(
        `<rect class="cell" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}"><title>${tip}</title></rect>`,
      );
      if (showValues && msgs[c] > 0) {
        values.push(
          `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle"${t > 0.55 ? ` fill="#fff"` : ""}>${
            formatBytes(bytes[c])
          }</text>`,
        );
      }
    }
  }
  out.push(`</g>`);
  if (values.length > 0) out.push(`<g font-size="10" pointer-events="none">`, ...values, `</g>`);
  out.push(`<rect x="${L}" y="${T}" width="${grid}" height="${grid}" fill="none" stroke="#999" stroke-width="0.5"/>`);
  out.push(...legend(legendX, T + 16, legendH, scale));
  const notes: string[] = [];
  if (block > 1) notes.push(`each cell sums a block of ${block}×${block} ranks (labels: a block's first rank)`);
  if (ranks.some((t) => t.dropped > 0)) notes.push("some ranks' oldest events were lost (trace buffer full)");
  if (ranks.length < size) notes.push(`traces of ${size - ranks.length} rank(s) missing`);
  if (notes.length > 0) out.push(`<text x="8" y="${height - 10}" fill="#666">${esc(notes.join("; "))}</text>`);
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
