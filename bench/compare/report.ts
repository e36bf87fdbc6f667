/**
 * What `deno task compare` prints and writes: the table (medians of the
 * repeats, spmd's ratio to the best peer), the JSON results file with the
 * machine and versions, and the SVG plots.
 *
 * @module
 */

import { join } from "node:path";
import { COLL_RANKS, COLL_SIZES, COLLECTIVES, figure, P2P_SIZES, SCALE_RANKS, type StepResult } from "./plan.ts";
import { bytesLabel, type Chart, type Series, svgDocument } from "./svg.ts";

/** Everything one compare run measured. */
export interface CompareReport {
  mode: string;
  repeat: number;
  minutes: number;
  systems: { name: string; version: string; missing: string | null }[];
  runs: { system: string; result: StepResult }[];
  failures: { system: string; ranks: number; error: string }[];
  startup: { system: string; ranks: number; seconds: number[] }[];
  scatter: { ranks: number; seconds: number[] }[];
}

const SYSTEMS = ["spmd", "postMessage", "mpi4py", "C MPI"] as const;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median figure (µs or MB/s) per system and measurement key `bench size ranks`. */
export function medians(r: CompareReport): Map<string, Map<string, { value: number; unit: string }>> {
  const acc = new Map<string, Map<string, StepResult[]>>();
  for (const { system, result } of r.runs) {
    const key = `${result.bench} ${result.size} ${result.ranks}`;
    if (!acc.has(system)) acc.set(system, new Map());
    const m = acc.get(system)!;
    if (!m.has(key)) m.set(key, []);
    m.get(key)!.push(result);
  }
  const out = new Map<string, Map<string, { value: number; unit: string }>>();
  for (const [system, m] of acc) {
    const fm = new Map<string, { value: number; unit: string }>();
    for (const [key, rs] of m) fm.set(key, figure({ ...rs[0], seconds: median(rs.map((x) => x.seconds)) }));
    out.set(system, fm);
  }
  return out;
}

function num(v: number): string {
  if (v >= 1000) return v.toFixed(0);
  if (v >= 100) return v.toFixed(1);
  if (v >= 10) return v.toFixed(2);
  return v.toFixed(3);
}

/** The comparison as a Markdown table. */
export function renderTable(r: CompareReport): string {
  const med = medians(r);
  const missing = new Map(r.systems.map((s) => [s.name, s.missing]));
  const shown = SYSTEMS.filter((s) => missing.has(s));
  const failed = (system: string, ranks: number) => r.failures.some((f) => f.system === system && f.ranks === ranks);
  const lines: string[] = [];
  const header = `| measurement | ${shown.join(" | ")} | spmd vs best peer |`;
  const rule = `| --- | ${shown.map(() => "---:").join(" | ")} | --- |`;
  const row = (label: string, key: string, ranks: number): void => {
    let unit = "";
    const cells = shown.map((s) => {
      if (missing.get(s) !== null) return "not installed";
      const f = med.get(s)?.get(key);
      if (f === undefined) return failed(s, ranks) ? "failed" : "–";
      unit = f.unit;
      return num(f.value);
    });
    const spmd = med.get("spmd")?.get(key);
    let best: { name: string; value: number } | null = null;
    for (const s of shown) {
      if (s === "spmd") continue;
      const f = med.get(s)?.get(key);
      if (f === undefined) continue;
      const better = f.unit === "MB/s"
        ? (best === null || f.value > best.value)
        : (best === null || f.value < best.value);
      if (better) best = { name: s, value: f.value };
    }
    let ratio = "–";
    if (spmd !== undefined && best !== null) {
      const x = spmd.unit === "MB/s" ? spmd.value / best.value : best.value / spmd.value;
      ratio = `${x >= 1 ? `${x.toFixed(2)}× faster` : `${(1 / x).toFixed(2)}× slower`} than ${best.name}`;
    }
    lines.push(`| ${label}${unit ? ` (${unit})` : ""} | ${cells.join(" | ")} | ${ratio} |`);
  };
  lines.push(`compare (${r.mode}, median of ${r.repeat}): ${r.systems.map((s) => s.missing ?? s.version).join("; ")}`);
  lines.push("", "Point-to-point, 2 ranks: latency is one way (half the round trip); bandwidths are MB/s (10^6 B/s).");
  lines.push("", header, rule);
  for (const bench of ["latency", "bw", "bibw"]) {
    for (const size of P2P_SIZES) row(`${bench} ${bytesLabel(size)}B`, `${bench} ${size} 2`, 2);
  }
  lines.push(
    "",
    "Collectives: time per call on rank 0, µs (so a small bcast is mostly the root handing its data on, in every " +
      "system). Ranks beyond 2 share the machine's 2 cores.",
  );
  lines.push("", header, rule);
  for (const ranks of [...COLL_RANKS, ...SCALE_RANKS]) {
    row(`barrier, ${ranks} ranks`, `barrier 0 ${ranks}`, ranks);
    for (const op of COLLECTIVES) {
      for (const size of COLL_SIZES) {
        const key = `${op} ${size} ${ranks}`;
        if (SCALE_RANKS.includes(ranks) && size !== 8) continue;
        row(`${op} ${bytesLabel(size)}B, ${ranks} ranks`, key, ranks);
      }
    }
  }
  if (r.startup.length > 0) {
    lines.push("", "Start-up of a whole job (launcher to exit, every rank in one barrier), seconds:", "");
    lines.push(
      "| ranks | spmd (`deno run -A cli.ts -n N`) | mpi4py (`mpiexec -n N python3`) |",
      "| ---: | ---: | ---: |",
    );
    for (const n of [...new Set(r.startup.map((s) => s.ranks))]) {
      const get = (sys: string) => {
        const e = r.startup.find((s) => s.system === sys && s.ranks === n);
        return e ? median(e.seconds).toFixed(2) : (missing.get(sys) !== null ? "not installed" : "–");
      };
      lines.push(`| ${n} | ${get("spmd")} | ${get("mpi4py")} |`);
    }
  }
  if (r.scatter.length > 0) {
    const t1 = median(r.scatter.find((s) => s.ranks === 1)?.seconds ?? [NaN]);
    lines.push("", "Scatter example (examples/scatter/main.ts, compute + gather), seconds and speedup:", "");
    lines.push("| ranks | time | speedup | ideal |", "| ---: | ---: | ---: | ---: |");
    for (const s of r.scatter) {
      const t = median(s.seconds);
      lines.push(`| ${s.ranks} | ${t.toFixed(3)} | ${(t1 / t).toFixed(2)} | ${s.ranks} |`);
    }
  }
  if (r.failures.length > 0) {
    lines.push("", "Failures:");
    for (const f of r.failures) lines.push(`- ${f.system}, ${f.ranks} ranks: ${f.error}`);
  }
  return lines.join("\n");
}

/** A description of this machine for the results file. */
function machine(): Record<string, unknown> {
  let cpu = "";
  try {
    cpu = /model name\s*:\s*(.*)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ?? "";
  } catch { /* not Linux */ }
  return {
    os: `${Deno.build.os} ${Deno.build.arch}`,
    kernel: Deno.osRelease(),
    cpu,
    cores: navigator.hardwareConcurrency,
    memoryGiB: Math.round(Deno.systemMemoryInfo().total / 2 ** 30),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
  };
}

function series(med: ReturnType<typeof medians>, key: (x: number) => string, xs: readonly number[]): Series[] {
  return SYSTEMS.flatMap((s) => {
    const m = med.get(s);
    if (m === undefined) return [];
    const points = xs.map((x) => [x, m.get(key(x))?.value ?? NaN] as [number, number]).filter((p) => isFinite(p[1]));
    return points.length > 0 ? [{ name: s, points }] : [];
  });
}

/** Writes the results JSON and the SVG plots into `dir`; returns the file names. */
export async function writeResults(r: CompareReport, dir: string): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const med = medians(r);
  const m = machine();
  const date = new Date().toISOString();
  const caption = `${m.cpu || m.os}, ${m.cores} cores; Deno ${m.deno}; ${
    date.slice(0, 10)
  }; median of ${r.repeat} (${r.mode})`;
  const json = {
    date,
    machine: m,
    ...r,
    medians: Object.fromEntries([...med].map(([s, mm]) => [s, Object.fromEntries(mm)])),
  };
  const files: [string, string][] = [["compare.json", JSON.stringify(json, null, 1)]];
  const sizeTick = (x: number) => bytesLabel(x);
  const charts: Chart[] = [
    {
      title: "Latency, 2 ranks (one way)",
      xLabel: "message size (bytes)",
      yLabel: "µs",
      xLog: true,
      yLog: true,
      xTick: sizeTick,
      series: series(med, (x) => `latency ${x} 2`, P2P_SIZES),
    },
    {
      title: "Bandwidth, 2 ranks (window of 64)",
      xLabel: "message size (bytes)",
      yLabel: "MB/s",
      xLog: true,
      yLog: true,
      xTick: sizeTick,
      series: series(med, (x) => `bw ${x} 2`, P2P_SIZES),
    },
    {
      title: "Bidirectional bandwidth, 2 ranks",
      xLabel: "message size (bytes)",
      yLabel: "MB/s",
      xLog: true,
      yLog: true,
      xTick: sizeTick,
      series: series(med, (x) => `bibw ${x} 2`, P2P_SIZES),
    },
  ];
  files.push(["p2p.svg", svgDocument(charts, caption, 3, 420, 300)]);
  const ranks = [...COLL_RANKS, ...SCALE_RANKS];
  const coll: Chart[] = [
    { title: "barrier", key: (n: number) => `barrier 0 ${n}` },
    ...COLLECTIVES.map((op) => ({ title: `${op} 8 B`, key: (n: number) => `${op} 8 ${n}` })),
  ].map(({ title, key }) => ({
    title,
    xLabel: "ranks (2 cores)",
    yLabel: "µs per call",
    xLog: true,
    yLog: true,
    series: series(med, key, ranks),
  }));
  files.push(["collectives.svg", svgDocument(coll, caption, 4, 300, 240)]);
  const big: Chart[] = COLLECTIVES.map((op) => ({
    title: `${op} 1 MiB`,
    xLabel: "ranks",
    yLabel: "µs per call",
    xLog: true,
    yLog: true,
    series: series(med, (n) => `${op} 1048576 ${n}`, COLL_RANKS),
  }));
  files.push(["collectives_1mib.svg", svgDocument(big, caption, 3, 300, 240)]);
  if (r.scatter.length > 0) {
    const t1 = median(r.scatter.find((s) => s.ranks === 1)?.seconds ?? [NaN]);
    const pts = r.scatter.map((s) => [s.ranks, t1 / median(s.seconds)] as [number, number]);
    files.push([
      "scatter_speedup.svg",
      svgDocument(
        [{
          title: "Scatter example: speedup over 1 rank",
          xLabel: "ranks (2 cores)",
          yLabel: "speedup",
          series: [{ name: "spmd", points: pts }, { name: "ideal", points: pts.map(([n]) => [n, n]), dashed: true }],
        }],
        caption,
        1,
        460,
        300,
      ),
    ]);
  }
  if (r.startup.length > 0) {
    const st: Series[] = ["spmd", "mpi4py"].map((s) => ({
      name: s,
      points: r.startup.filter((e) => e.system === s).map((e) => [e.ranks, median(e.seconds)] as [number, number]),
    })).filter((s) => s.points.length > 0);
    files.push([
      "startup.svg",
      svgDocument(
        [{ title: "Start-up of a job", xLabel: "ranks", yLabel: "seconds", series: st }],
        caption,
        1,
        460,
        300,
      ),
    ]);
  }
  for (const [name, text] of files) await Deno.writeTextFile(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}
