/**
 * Line charts as SVG text, drawn by the project itself (no plotting
 * service): log or linear axes with ticks at powers of ten (or of two for
 * rank counts), one line and marker style per series, a legend, and a
 * caption. Used by `deno task compare` for bench/results/*.svg.
 *
 * @module
 */

/** One line of a chart. */
export interface Series {
  /** Legend text. */
  name: string;
  /** Points, x ascending; a missing point is left out. */
  points: [number, number][];
  /** Dashed line (e.g. an ideal). */
  dashed?: boolean;
}

/** A chart. */
export interface Chart {
  /** Title above the plot. */
  title: string;
  /** Axis labels. */
  xLabel: string;
  yLabel: string;
  /** Logarithmic axes. */
  xLog?: boolean;
  yLog?: boolean;
  /** Format of x tick labels (default: the number). */
  xTick?: (x: number) => string;
  /** The lines. */
  series: Series[];
}

/** Colours by system name, the same in every chart (colour-blind-safe palette). */
const COLOURS: Record<string, string> = {
  spmd: "#0072b2",
  "spmd alloc": "#56b4e9",
  postMessage: "#d55e00",
  mpi4py: "#009e73",
  "C MPI": "#cc79a7",
  "spmd MPI": "#e69f00",
  ideal: "#777777",
};
const FALLBACK = ["#f0e442", "#000000", "#882255"];

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function fmt(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  return String(+v.toPrecision(3));
}

/** Byte sizes as 1, 4, 16, ..., 1K, 4K, ..., 1M, 4M. */
export function bytesLabel(n: number): string {
  if (n >= 1 << 20) return `${n / (1 << 20)}M`;
  if (n >= 1 << 10) return `${n / (1 << 10)}K`;
  return String(n);
}

/** Renders one chart of `w`×`h` pixels at (`ox`, `oy`) as an SVG group. */
export function chartGroup(c: Chart, ox: number, oy: number, w: number, h: number): string {
  const pad = { l: 62, r: 12, t: 28, b: 44 };
  const pw = w - pad.l - pad.r;
  const ph = h - pad.t - pad.b;
  const pts = c.series.flatMap((s) => s.points).filter(([x, y]) => isFinite(x) && isFinite(y) && (!c.yLog || y > 0));
  const out: string[] = [`<g transform="translate(${ox},${oy})">`];
  out.push(`<text x="${w / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${esc(c.title)}</text>`);
  if (pts.length === 0) {
    out.push(`<text x="${w / 2}" y="${h / 2}" text-anchor="middle" font-size="12">no data</text></g>`);
    return out.join("\n");
  }
  const tx = (v: number) => (c.xLog ? Math.log10(v) : v);
  const ty = (v: number) => (c.yLog ? Math.log10(v) : v);
  let [x0, x1] = [Math.min(...pts.map((p) => tx(p[0]))), Math.max(...pts.map((p) => tx(p[0])))];
  let [y0, y1] = [Math.min(...pts.map((p) => ty(p[1]))), Math.max(...pts.map((p) => ty(p[1])))];
  if (c.yLog) [y0, y1] = [Math.floor(y0), Math.ceil(y1)];
  else [y0, y1] = [Math.min(0, y0), y1 * 1.05];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const X = (v: number) => pad.l + ((tx(v) - x0) / (x1 - x0)) * pw;
  const Y = (v: number) => pad.t + ph - ((ty(v) - y0) / (y1 - y0)) * ph;
  out.push(`<rect x="${pad.l}" y="${pad.t}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  // y ticks
  const yTicks: number[] = [];
  if (c.yLog) { for (let e = y0; e <= y1; e++) yTicks.push(10 ** e); }
  else for (let i = 0; i <= 4; i++) yTicks.push(y0 + ((y1 - y0) * i) / 4);
  for (const v of yTicks) {
    const y = Y(v);
    out.push(`<line x1="${pad.l}" x2="${pad.l + pw}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${pad.l - 4}" y="${y + 4}" text-anchor="end" font-size="10">${fmt(v)}</text>`);
  }
  // x ticks: the distinct x values of the data
  const xs = [...new Set(pts.map((p) => p[0]))].sort((a, b) => a - b);
  const every = Math.ceil(xs.length / 8);
  xs.forEach((v, i) => {
    if (i % every !== 0 && i !== xs.length - 1) return;
    const x = X(v);
    out.push(`<line x1="${x}" x2="${x}" y1="${pad.t + ph}" y2="${pad.t + ph + 4}" stroke="#999"/>`);
    out.push(
      `<text x="${x}" y="${pad.t + ph + 15}" text-anchor="middle" font-size="10">${esc((c.xTick ?? fmt)(v))}</text>`,
    );
  });
  out.push(
    `<text x="${pad.l + pw / 2}" y="${h - 8}" text-anchor="middle" font-size="11">${esc(c.xLabel)}</text>`,
    `<text x="14" y="${pad.t + ph / 2}" text-anchor="middle" font-size="11" ` +
      `transform="rotate(-90 14 ${pad.t + ph / 2})">${esc(c.yLabel)}</text>`,
  );
  // lines and legend
  let k = 0;
  c.series.forEach((s, i) => {
    const colour = COLOURS[s.name] ?? FALLBACK[k++ % FALLBACK.length];
    const good = s.points.filter(([x, y]) => isFinite(x) && isFinite(y) && (!c.yLog || y > 0));
    if (good.length === 0) return;
    const d = good.map(([x, y], j) => `${j === 0 ? "M" : "L"}${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(" ");
    out.push(
      `<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,4"' : ""}/>`,
    );
    for (const [x, y] of good) {
      out.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="2.5" fill="${colour}"/>`);
    }
    const ly = pad.t + 12 + i * 14;
    out.push(
      `<line x1="${pad.l + 8}" x2="${pad.l + 26}" y1="${ly - 4}" y2="${ly - 4}" stroke="${colour}" stroke-width="2"` +
        `${s.dashed ? ' stroke-dasharray="5,4"' : ""}/>`,
      `<text x="${pad.l + 30}" y="${ly}" font-size="10">${esc(s.name)}</text>`,
    );
  });
  out.push("</g>");
  return out.join("\n");
}

/** A whole SVG document of `charts` laid out in `cols` columns, with a caption at the bottom. */
export function svgDocument(charts: Chart[], caption: string, cols = 1, w = 460, h = 300): string {
  const rows = Math.ceil(charts.length / cols);
  const W = cols * w;
  const H = rows * h + 30;
  const body = charts.map((c, i) => chartGroup(c, (i % cols) * w, Math.floor(i / cols) * h, w, h));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
    `font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    ...body,
    `<text x="8" y="${H - 10}" font-size="10" fill="#555">${esc(caption)}</text>`,
    "</svg>",
  ].join("\n");
}
