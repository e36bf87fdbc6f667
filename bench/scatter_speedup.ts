/**
 * Speed of the flagship example (examples/scatter/main.ts): in one run, on
 * one grid, the time at 1, 2 and 4 ranks (best of 3 each) and the speedup
 * over 1 rank; then the same computation by the peers that are installed:
 *
 * - the original mpi4py code, pletzer/scatter `mpi/scatter.py` (numpy,
 *   scipy, mpi4py), run with `mpiexec -n N` at the same rank counts;
 * - the course's C++ build, pletzer/scatter `openmp/` (Python driver, C++
 *   kernel with Boost's Bessel functions, compiled as `openmp/build/*.so`),
 *   on one core (`OMP_NUM_THREADS=1`).
 *
 * ```sh
 * deno run -A bench/scatter_speedup.ts                 # defaults: -nx 128 -ny 128 -nc 128
 * deno run -A bench/scatter_speedup.ts -nx 64 -ny 64 -nc 64 --peer-ranks 1
 * ```
 *
 * Options: `-nx`, `-ny`, `-nc`, `-lambda` (passed to every program),
 * `--schedule static|dynamic|guided` and `--chunk N` (passed to spmd's
 * program only), `--ranks 1,2,4`, `--repeat 3` (runs per rank count, best kept),
 * `--peer-ranks LIST` (rank counts for mpi4py; default: --ranks),
 * `--no-peers`.
 *
 * The peers' code is not part of this repository. The script looks for a
 * checkout of github.com/pletzer/scatter in `$SCATTER_PEERS_DIR` (default
 * `/tmp/scatter-peers`): `mpi/scatter.py` with the `wave.py` and
 * `saveVtk.py` it imports, and `openmp/` with its library built (`python3
 * setup.py build`, or any `g++ -O2 -fPIC -shared -fopenmp` build of
 * `openmp/src/*.cpp` placed under `openmp/build/`). Python is
 * `$SCATTER_PYTHON` (default `/usr/bin/python3`), mpiexec `$SCATTER_MPIEXEC`
 * (default `mpiexec`). A peer that is missing or fails is reported as "not
 * installed" with the reason.
 *
 * spmd's speedup is computed on its in-program time (computation and
 * gathers, all ranks started and warmed up, as main.ts prints it). Every
 * other time is the wall time of a whole process; "start-up" is the same
 * command on a 2×2-point grid with 3 segments (interpreter or runtime start,
 * imports, MPI or worker start), and "net" is whole process − start-up, the
 * fairest comparison of the computations themselves.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const MAIN = join(ROOT, "examples", "scatter", "main.ts");
const PEERS = Deno.env.get("SCATTER_PEERS_DIR") ?? "/tmp/scatter-peers";
const PYTHON = Deno.env.get("SCATTER_PYTHON") ?? "/usr/bin/python3";
const MPIEXEC = Deno.env.get("SCATTER_MPIEXEC") ?? "mpiexec";
const CHECKSUM_RE = /Sum of scattered field \|amplitudes\|\^2: (\S+)/;
const TIME_RE = /^Time: ([\d.]+) s on (\d+) rank/m;
/** Seconds before any one run is killed. */
const RUN_TIMEOUT = 900;

interface Args {
  grid: string[];
  /** `--schedule` and `--chunk`, for spmd's program only. */
  schedule: string[];
  ranks: number[];
  repeat: number;
  peerRanks: number[] | null;
  peers: boolean;
}

function usage(message: string): never {
  console.error(
    `scatter_speedup: ${message}\nusage: deno run -A bench/scatter_speedup.ts [-nx N] [-ny N] [-nc N] [-lambda X] ` +
      `[--schedule S] [--chunk N] [--ranks 1,2,4] [--repeat 3] [--peer-ranks LIST] [--no-peers]`,
  );
  Deno.exit(2);
}

function parseList(flag: string, v: string | undefined): number[] {
  if (v === undefined) usage(`${flag} needs a value`);
  const list = v.split(",").map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 1)) {
    usage(`${flag} must be a comma-separated list of positive integers, got "${v}"`);
  }
  return list;
}

function parseBenchArgs(argv: string[]): Args {
  const a: Args = { grid: [], schedule: [], ranks: [1, 2, 4], repeat: 3, peerRanks: null, peers: true };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    if (["-nx", "-ny", "-nc", "-lambda"].includes(f)) {
      if (argv[i + 1] === undefined) usage(`${f} needs a value`);
      a.grid.push(f, argv[++i]);
    } else if (f === "--schedule" || f === "--chunk") {
      if (argv[i + 1] === undefined) usage(`${f} needs a value`);
      a.schedule.push(f, argv[++i]);
    } else if (f === "--ranks") a.ranks = parseList(f, argv[++i]);
    else if (f === "--peer-ranks") a.peerRanks = parseList(f, argv[++i]);
    else if (f === "--repeat") {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) usage(`--repeat must be a positive integer, got "${argv[i]}"`);
      a.repeat = n;
    } else if (f === "--no-peers") a.peers = false;
    else usage(`unknown option ${f}`);
  }
  return a;
}

interface RunResult {
  ok: boolean;
  /** Wall time of the whole process, seconds. */
  wall: number;
  stdout: string;
  stderr: string;
  code: number;
}

async function runProcess(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<RunResult> {
  const t0 = performance.now();
  try {
    const out = await new Deno.Command(cmd, {
      args,
      cwd: opts.cwd,
      env: opts.env,
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(RUN_TIMEOUT * 1000),
    }).output();
    const dec = new TextDecoder();
    return {
      ok: out.success,
      wall: (performance.now() - t0) / 1000,
      stdout: dec.decode(out.stdout),
      stderr: dec.decode(out.stderr),
      code: out.code,
    };
  } catch (e) {
    return { ok: false, wall: 0, stdout: "", stderr: (e as Error).message, code: -1 };
  }
}

function lastLine(s: string): string {
  const lines = s.trim().split("\n").filter((l) => l.trim() !== "");
  return lines.length === 0 ? "(no output)" : lines[lines.length - 1].trim().slice(0, 160);
}

const f3 = (x: number) => x.toFixed(3);
const f2 = (x: number) => x.toFixed(2);

/** The load average, so that a reader can tell a busy machine (Linux only). */
function loadText(): string {
  try {
    return `load average ${Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ")}`;
  } catch {
    return "load average unknown";
  }
}

// ---- spmd ----------------------------------------------------------------------

const args = parseBenchArgs(Deno.args);
const grid = args.grid.length > 0 ? args.grid.join(" ") : "-nx 128 -ny 128 -nc 128 (defaults)";
console.log(`scatter: ${grid}; ${navigator.hardwareConcurrency} cores; Deno ${Deno.version.deno}`);
const how = args.schedule.length > 0 ? ` ${args.schedule.join(" ")}` : "";
console.log(`spmd: examples/scatter/main.ts${how}, best of ${args.repeat} runs per rank count; ${loadText()}\n`);

/** Best (smallest) values of one rank count over the repeats. */
interface Best {
  /** In-program time: computation and gathers. */
  time: number;
  /** Whole process at the grid. */
  wall: number;
  /** Whole process on the tiny grid: start-up. */
  startup: number;
}

/** The same command on a 2×2-point grid with 3 segments: what a run costs besides the computation. */
const TINY = ["-nx", "1", "-ny", "1", "-nc", "3"];

function spmdArgs(n: number, grid: string[]): string[] {
  return ["run", "-A", MAIN, "-n", String(n), "-checksum", ...args.schedule, ...grid];
}

const best = new Map<number, Best>();
const checksums = new Set<string>();
for (let rep = 0; rep < args.repeat; rep++) {
  for (const n of args.ranks) {
    const r = await runProcess(Deno.execPath(), spmdArgs(n, args.grid));
    const t = TIME_RE.exec(r.stdout);
    const c = CHECKSUM_RE.exec(r.stdout);
    if (!r.ok || t === null || c === null) {
      console.error(`spmd on ${n} ranks failed (exit ${r.code}): ${lastLine(r.stderr || r.stdout)}`);
      Deno.exit(1);
    }
    const tiny = await runProcess(Deno.execPath(), spmdArgs(n, TINY));
    if (!tiny.ok) {
      console.error(`spmd on ${n} ranks, tiny grid, failed (exit ${tiny.code}): ${lastLine(tiny.stderr)}`);
      Deno.exit(1);
    }
    checksums.add(c[1]);
    const b = best.get(n);
    best.set(n, {
      time: Math.min(Number(t[1]), b?.time ?? Infinity),
      wall: Math.min(r.wall, b?.wall ?? Infinity),
      startup: Math.min(tiny.wall, b?.startup ?? Infinity),
    });
  }
}

const base = best.get(args.ranks[0])!;
console.log("| ranks | time (compute + gather) | speedup | efficiency | whole process | start-up¹ |");
console.log("| ----: | ----------------------: | ------: | ---------: | ------------: | --------: |");
for (const n of args.ranks) {
  const b = best.get(n)!;
  const s = (base.time / b.time) * args.ranks[0];
  console.log(
    `| ${n} | ${f3(b.time)} s | ${f2(s)}× | ${(100 * s / n).toFixed(0)} % | ${f3(b.wall)} s | ${f3(b.startup)} s |`,
  );
}
console.log(`\n¹ the whole process on a 2×2-point grid with 3 segments (${TINY.join(" ")}).`);
console.log(
  `checksum: ${[...checksums].join(", ")}${checksums.size === 1 ? " (identical for every rank count)" : " (DIFFERS)"}`,
);
if (args.ranks[0] === 1 && best.has(2)) {
  const s2 = base.time / best.get(2)!.time;
  console.log(`2 ranks: ${f2(s2)}× the 1-rank speed (target ≥ 1.80×: ${s2 >= 1.8 ? "met" : "NOT met"})`);
}

// ---- peers ---------------------------------------------------------------------

interface PeerRow {
  peer: string;
  ranks: number;
  /** Whole process at the grid, or null when not installed. */
  wall: number | null;
  /** Whole process on the tiny grid. */
  startup: number;
  checksum: string;
  note: string;
}

async function pythonHas(modules: string): Promise<string | null> {
  const r = await runProcess(PYTHON, ["-c", `import ${modules}`]);
  return r.ok ? null : lastLine(r.stderr);
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function findSharedLib(dir: string): string | null {
  if (!exists(dir)) return null;
  for (const e of Deno.readDirSync(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) {
      const f = findSharedLib(p);
      if (f !== null) return f;
    } else if (e.name.endsWith(".so")) return p;
  }
  return null;
}

async function mpiexecPrefix(): Promise<string[] | string> {
  const v = await runProcess(MPIEXEC, ["--version"]);
  if (!v.ok && v.code === -1) return `${MPIEXEC} not found`;
  // Open MPI refuses root without --allow-run-as-root and more ranks than
  // cores without --oversubscribe; MPICH's hydra needs neither.
  if (/Open MPI|OpenRTE/i.test(v.stdout + v.stderr)) {
    return [...(Deno.uid() === 0 ? ["--allow-run-as-root"] : []), "--oversubscribe"];
  }
  return [];
}

/** Runs a peer at the grid and on the tiny grid; a string says why it could not. */
async function measurePeer(
  label: string,
  ranks: number,
  cmd: string,
  argv: (grid: string[]) => string[],
  opts: { cwd: string; env: Record<string, string> },
): Promise<PeerRow | string> {
  console.error(`(running ${label} on ${ranks} rank${ranks === 1 ? "" : "s"}…)`);
  const r = await runProcess(cmd, argv(args.grid), opts);
  const c = CHECKSUM_RE.exec(r.stdout);
  if (!r.ok || c === null) return `fails on ${ranks} ranks (exit ${r.code}): ${lastLine(r.stderr || r.stdout)}`;
  const tiny = await runProcess(cmd, argv(TINY), opts);
  if (!tiny.ok) return `fails on the tiny grid (exit ${tiny.code}): ${lastLine(tiny.stderr || tiny.stdout)}`;
  return { peer: label, ranks, wall: r.wall, startup: tiny.wall, checksum: c[1], note: "" };
}

async function mpi4pyRows(ranks: number[]): Promise<PeerRow[] | string> {
  const dir = join(PEERS, "mpi");
  const script = join(dir, "scatter.py");
  if (!exists(script)) return `no ${script}`;
  const missing = await pythonHas("mpi4py, scipy, numpy");
  if (missing !== null) return `${PYTHON}: ${missing}`;
  const prefix = await mpiexecPrefix();
  if (typeof prefix === "string") return prefix;
  const rows: PeerRow[] = [];
  for (const n of ranks) {
    const row = await measurePeer(
      "mpi4py (mpi/scatter.py)",
      n,
      MPIEXEC,
      (grid) => [...prefix, "-n", String(n), PYTHON, "scatter.py", "-checksum", ...grid],
      { cwd: dir, env: { PYTHONPATH: `${dir}:${PEERS}` } },
    );
    if (typeof row === "string") return row;
    rows.push(row);
  }
  return rows;
}

async function cppRow(): Promise<PeerRow | string> {
  const dir = join(PEERS, "openmp");
  const script = join(dir, "scatter.py");
  if (!exists(script)) return `no ${script}`;
  const lib = findSharedLib(join(dir, "build"));
  if (lib === null) return `no compiled library under ${join(dir, "build")} (build openmp/ with Boost)`;
  const missing = await pythonHas("scipy, numpy");
  if (missing !== null) return `${PYTHON}: ${missing}`;
  return await measurePeer(
    "C++/Boost (openmp/, 1 thread)",
    1,
    PYTHON,
    (grid) => ["scatter.py", "-checksum", ...grid],
    { cwd: dir, env: { OMP_NUM_THREADS: "1" } },
  );
}

if (args.peers) {
  console.log(`\npeers: pletzer/scatter in ${PEERS}, one run each; whole-process wall times.\n`);
  const rows: PeerRow[] = [];
  const m = await mpi4pyRows(args.peerRanks ?? args.ranks);
  if (typeof m === "string") {
    rows.push({ peer: "mpi4py (mpi/scatter.py)", ranks: 0, wall: null, startup: 0, checksum: "", note: m });
  } else rows.push(...m);
  const c = await cppRow();
  if (typeof c === "string") {
    rows.push({ peer: "C++/Boost (openmp/, 1 thread)", ranks: 1, wall: null, startup: 0, checksum: "", note: c });
  } else rows.push(c);

  console.log(
    "| program | ranks | whole process | start-up¹ | net² | spmd whole process | spmd net² | spmd faster: whole | net |",
  );
  console.log(
    "| ------- | ----: | ------------: | --------: | ---: | -----------------: | --------: | -----------------: | --: |",
  );
  for (const r of rows) {
    if (r.wall === null) {
      console.log(`| ${r.peer} | | not installed: ${r.note} | | | | | | |`);
      continue;
    }
    const net = r.wall - r.startup;
    const mine = best.get(r.ranks);
    if (mine === undefined) {
      console.log(`| ${r.peer} | ${r.ranks} | ${f2(r.wall)} s | ${f2(r.startup)} s | ${f2(net)} s | – | – | – | – |`);
      continue;
    }
    const myNet = mine.wall - mine.startup;
    console.log(
      `| ${r.peer} | ${r.ranks} | ${f2(r.wall)} s | ${f2(r.startup)} s | ${f2(net)} s | ${f3(mine.wall)} s | ` +
        `${f3(myNet)} s | ${(r.wall / mine.wall).toFixed(0)}× | ${(net / myNet).toFixed(0)}× |`,
    );
  }
  console.log(`\n¹ the same command on a 2×2-point grid with 3 segments; ² whole process − start-up.`);
  const peerSums = rows.filter((r) => r.wall !== null).map((r) => r.checksum);
  console.log(`checksums: spmd ${[...checksums][0]}; peers ${[...new Set(peerSums)].join(", ") || "–"}`);
} else {
  console.log("\npeers: skipped (--no-peers)");
}
console.log(`${loadText()} at the end (other work on the machine skews every number above)`);
