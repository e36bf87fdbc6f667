/**
 * What `deno task compare` prints and writes: the table (medians of the
 * repeats; spmd's ratio to the best peer, on point-to-point rows spmd
 * alloc's ratio to the best MPI, and what spmd MPI costs over C MPI on the
 * same library), the JSON results file with the machine and versions, and
 * the SVG plots.
 *
 * @module
 */

import { join } from "node:path";
import {
  COLL_RANKS,
  COLL_SIZES,
  COLLECTIVES,
  figure,
  median,
  P2P_SIZES,
  PINGPONG_RANKS,
  PINGPONG_SIZES,
  SCALE_RANKS,
  type StepResult,
} from "./plan.ts";
import { bytesLabel, type Chart, type Series, svgDocument } from "./svg.ts";
import { PLACEMENT_BOUND, placementName } from "./_placement.ts";

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
  /** A flag ping-pong between two threads before and after each repeat of each system's jobs of 2-8 ranks, µs one way (_placement.ts). */
  placements?: { system: string; before: number; after: number; job?: string }[];
}

const SYSTEMS = ["spmd", "spmd alloc", "postMessage", "mpi4py", "spmd MPI", "C MPI"] as const;
/** The peers spmd is measured against ("spmd vs best peer"). */
const PEERS: readonly string[] = ["postMessage", "mpi4py", "C MPI"];
/** The peers spmd alloc is measured against ("spmd alloc vs best MPI"). */
const MPI_PEERS: readonly string[] = ["mpi4py", "C MPI"];
/** Latency sizes of the 2-rank job: P2P_SIZES and PINGPONG_SIZES. */
const LATENCY_SIZES: readonly number[] = [...new Set([...P2P_SIZES, ...PINGPONG_SIZES])].sort((a, b) => a - b);

/**
 * One system's probes in a job: "spmd 0.064 → 0.062 → 0.063" where each
 * repeat's before is the one before's after (one probe between two
 * repeats), else each repeat's pair.
 */
function probes(ps: { system: string; before: number; after: number }[], system: string): string {
  let out = system;
  let last = NaN;
  for (const p of ps.filter((p) => p.system === system)) {
    out += (p.before === last ? "" : `${Number.isNaN(last) ? "" : ","} ${p.before.toFixed(3)}`) +
      ` → ${p.after.toFixed(3)}`;
    last = p.after;
  }
  return out;
}

/**
 * Where the machine put two threads around each system's jobs of 2 to 8
 * ranks, and a warning when a job's systems did not all run in the same
 * placement (their figures then compare placements as much as systems).
 */
function placementLines(r: CompareReport): string[] {
  const ps = r.placements ?? [];
  if (ps.length === 0) return [];
  const jobs: string[] = [];
  const mixed: string[] = [];
  for (const job of new Set(ps.map((p) => p.job ?? ""))) {
    const these = ps.filter((p) => (p.job ?? "") === job);
    const space = job.indexOf(" ");
    const label = job === "" ? "" : `${job.slice(0, space)} ranks, ${job.slice(space + 1)}: `;
    jobs.push(label + [...new Set(these.map((p) => p.system))].map((s) => probes(these, s)).join(", "));
    const bound = these.filter((p) => PLACEMENT_BOUND.has(p.system));
    if (new Set(bound.flatMap((p) => [placementName(p.before), placementName(p.after)])).size > 1) {
      mixed.push(job === "" ? "some jobs" : `${job.slice(0, space)} ranks, ${job.slice(space + 1)}`);
    }
  }
  const out = [
    "",
    "Placement: a flag ping-pong between two threads before → after each repeat of each system's jobs of 2 to 8 " +
    "ranks, µs one way " +
    "(~0.05 when the two virtual cores share a cache, ~0.3 when not; it changes from minute to minute): " +
    jobs.join("; ") + ".",
  ];
  if (mixed.length > 0) {
    out.push(
      "",
      `**Not every system ran in the same placement in: ${mixed.join("; ")}. There, compare only systems whose ` +
        "placement figures match.**",
    );
  }
  return out;
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

/** "1.23× faster than C MPI" (`value` against the best of `peers` at `key`), or "–". */
function ratio(
  med: ReturnType<typeof medians>,
  key: string,
  value: { value: number; unit: string } | undefined,
  peers: readonly string[],
): string {
  let best: { name: string; value: number } | null = null;
  for (const s of peers) {
    const f = med.get(s)?.get(key);
    if (f === undefined) continue;
    const better = f.unit === "MB/s"
      ? (best === null || f.value > best.value)
      : (best === null || f.value < best.value);
    if (better) best = { name: s, value: f.value };
  }
  if (value === undefined || best === null) return "–";
  const x = value.unit === "MB/s" ? value.value / best.value : best.value / value.value;
  return `${x >= 1 ? `${x.toFixed(2)}× faster` : `${(1 / x).toFixed(2)}× slower`} than ${best.name}`;
}

/**
 * What spmd MPI costs over C MPI at `key` (same library, same launcher):
 * "+0.41 µs (2.10×)" for times, "0.82×" of C's bandwidth for MB/s; "–"
 * when either is missing.
 */
function overC(med: ReturnType<typeof medians>, key: string): string {
  const ours = med.get("spmd MPI")?.get(key);
  const c = med.get("C MPI")?.get(key);
  if (ours === undefined || c === undefined) return "–";
  if (ours.unit === "MB/s") return `${(ours.value / c.value).toFixed(2)}×`;
  const d = ours.value - c.value;
  return `${d >= 0 ? "+" : "−"}${num(Math.abs(d))} µs (${(ours.value / c.value).toFixed(2)}×)`;
}

/** The comparison as a Markdown table. */
export function renderTable(r: CompareReport): string {
  const med = medians(r);
  const missing = new Map(r.systems.map((s) => [s.name, s.missing]));
  const failed = (system: string, ranks: number) => r.failures.some((f) => f.system === system && f.ranks === ranks);
  const lines: string[] = [];
  /**
   * Starts a table of the columns `shown`, then the ratios: spmd's to the best peer when spmd is shown, spmd
   * alloc's to the best MPI when `alloc`, spmd MPI's cost over C MPI when both are shown.
   */
  const table = (shown: readonly string[], alloc: boolean): (label: string, key: string, ranks: number) => void => {
    const ratios: [string, (key: string) => string][] = [];
    if (shown.includes("spmd")) {
      ratios.push(["spmd vs best peer", (key) => ratio(med, key, med.get("spmd")?.get(key), PEERS)]);
    }
    if (alloc) {
      ratios.push(["spmd alloc vs best MPI", (key) => ratio(med, key, med.get("spmd alloc")?.get(key), MPI_PEERS)]);
    }
    if (shown.includes("spmd MPI") && shown.includes("C MPI")) {
      ratios.push(["spmd MPI over C MPI", (k) => overC(med, k)]);
    }
    lines.push(
      "",
      `| measurement | ${[...shown, ...ratios.map((r) => r[0])].join(" | ")} |`,
      `| --- | ${[...shown.map(() => "---:"), ...ratios.map(() => "---")].join(" | ")} |`,
    );
    return (label, key, ranks) => {
      let unit = "";
      const cells = shown.map((s) => {
        if (missing.get(s) !== null) return "not installed";
        const f = med.get(s)?.get(key);
        if (f === undefined) return failed(s, ranks) ? "failed" : "–";
        unit = f.unit;
        return num(f.value);
      });
      // A row that no installed system measured (--only, --ranks) is left out.
      if (shown.some((s) => missing.get(s) === null) && cells.every((c) => c === "–" || c === "not installed")) return;
      lines.push(
        `| ${label}${unit ? ` (${unit})` : ""} | ${[...cells, ...ratios.map((r) => r[1](key))].join(" | ")} |`,
      );
    };
  };
  const all = SYSTEMS.filter((s) => missing.has(s));
  const alloc = all.includes("spmd alloc");
  const collShown = all.filter((s) => s !== "spmd alloc");
  lines.push(
    `compare (${r.mode}, median of ${r.repeat}): ${
      r.systems.map((s) => s.missing === null ? s.version : `${s.name} not installed (${s.missing})`).join("; ")
    }`,
  );
  lines.push(...placementLines(r));
  lines.push(
    "",
    "Point-to-point, 2 ranks: latency is one way (half the round trip); bandwidths are MB/s (10^6 B/s). " +
      "spmd: ordinary Uint8Arrays; spmd alloc: every buffer from comm.alloc (sends of 32 KiB or more are copied " +
      "once, by the receiver); spmd MPI: the spmd program on spmd's MPI backend, one process per rank under C MPI's " +
      "launcher and library. The best peer is the best of postMessage, mpi4py and C MPI; the best MPI, of mpi4py " +
      "and C MPI; spmd MPI over C MPI is the time spmd's layers and the FFI calls add (bandwidth: spmd MPI's share " +
      "of C MPI's).",
  );
  let row = table(all, alloc);
  for (const bench of ["latency", "bw", "bibw"]) {
    for (const size of bench === "latency" ? LATENCY_SIZES : P2P_SIZES) {
      row(`${bench} ${bytesLabel(size)}B`, `${bench} ${size} 2`, 2);
    }
  }
  lines.push(
    "",
    "Ping-pong between ranks 0 and 1 inside jobs of more ranks, the other ranks waiting in the barrier that ends " +
      "the step (each system's own; postMessage workers wait for a message): one-way latency, µs (2 ranks: the " +
      "point-to-point job). Ranks beyond 2 share the machine's 2 cores. For large messages the ratio is also the " +
      "ratio of ping-pong bandwidths.",
  );
  row = table(all, alloc);
  for (const size of PINGPONG_SIZES) {
    for (const ranks of [2, ...PINGPONG_RANKS]) {
      row(`latency ${bytesLabel(size)}B, ${ranks} ranks`, `latency ${size} ${ranks}`, ranks);
    }
  }
  lines.push(
    "",
    "Collectives: time per call on rank 0, µs (so a small bcast is mostly the root handing its data on, in every " +
      "system). spmd uses the buffer calls (bcastInto, reduceInto, allreduceInto, gatherInto, allgatherInto, " +
      "alltoallInto), as mpi4py's uppercase calls and C. Ranks beyond 2 share the machine's 2 cores.",
  );
  row = table(collShown, false);
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
    return points.length > 0 ? [{ name: s, points, dashed: s === "spmd alloc" }] : [];
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
      series: series(med, (x) => `latency ${x} 2`, LATENCY_SIZES),
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
  const pingRanks = [2, ...PINGPONG_RANKS];
  /** The ping-pong of ranks 0 and 1 at `size` bytes against the job's rank count. */
  const pingPong = (size: number, xLabel: string): Chart => ({
    title: `ping-pong ${bytesLabel(size)}B, ranks 0↔1`,
    xLabel,
    yLabel: "µs one way",
    xLog: true,
    yLog: true,
    series: series(med, (n) => `latency ${size} ${n}`, pingRanks),
  });
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
  coll.push(pingPong(8, "ranks in the job (2 cores)"));
  files.push(["collectives.svg", svgDocument(coll, caption, 4, 300, 240)]);
  const big: Chart[] = COLLECTIVES.map((op) => ({
    title: `${op} 1 MiB`,
    xLabel: "ranks",
    yLabel: "µs per call",
    xLog: true,
    yLog: true,
    series: series(med, (n) => `${op} 1048576 ${n}`, COLL_RANKS),
  }));
  big.push(pingPong(1048576, "ranks in the job"));
  files.push(["collectives_1mib.svg", svgDocument(big, caption, 4, 300, 240)]);
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
