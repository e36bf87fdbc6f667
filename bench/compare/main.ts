/**
 * `deno task compare`: the same OSU-style measurements (plan.ts) through
 * spmd, Worker.postMessage, mpi4py and C MPI, in one table; results as JSON
 * and SVG plots under bench/results/. A fifth column, spmd alloc, runs the
 * point-to-point benches with every buffer from `comm.alloc`; a sixth, spmd
 * MPI, runs spmd's peer on its MPI backend under C MPI's launcher and
 * library (its difference from C MPI is the cost of spmd's layers and FFI).
 *
 * ```sh
 * deno task compare                      # full: about 20-35 minutes on 2 cores
 * deno task compare --mode smoke         # tiny counts: checks that everything runs
 * deno task compare --systems spmd,C\ MPI --repeat 5 --out /tmp/results
 * SPMD_COMPARE_MPI=mpich deno task compare --systems "spmd,spmd MPI,C MPI" --ranks 2 \
 *   --only latency:8,latency:1024,bw:1048576,allreduce:8,barrier --no-startup --no-scatter
 * ```
 *
 * `--ranks` keeps the jobs of those rank counts, `--only` the steps of those
 * benches (`bench` or `bench:size`, sizes in bytes): a short measurement of
 * a few rows at full counts.
 *
 * Each job is run `--repeat` times (3 in full mode) and the median of each
 * figure is shown. Jobs run one after another, each by every system in
 * turn, the reference system (C MPI where it runs) first.
 * In full mode each repeat of a job of 2, 4 or 8 ranks is bracketed by
 * placement probes (_placement.ts: the two virtual cores sharing a cache or
 * not, which changes from minute to minute, sometimes within a job); a
 * repeat that ran in another placement than the reference's same job (or
 * than the reference's first repeat), or across a change, is run again, up
 * to 3 times, and after the job's other repeats 3 times more, where its last
 * try counts. At the end, where all the others ended in another placement
 * than the reference, the reference's job runs again in theirs; then each
 * other system's job that did not end in the reference's placement runs
 * again in it. (The small collectives move with the placement too: a 4-rank
 * barrier 1.75 µs in one, 2.9 in the other.)
 * Columns of systems that are not installed say so.
 * The 4- and 8-rank jobs start with a ping-pong between ranks 0 and 1 (the
 * other ranks wait in the barrier), then the collectives.
 * Also measured: collectives at 16, 32 and 64 ranks (oversubscribed), the
 * start-up time of a job (spmd's launcher against `mpiexec` + mpi4py) at 1,
 * 8 and 64 ranks, and (full mode) the scatter example's speedup.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { join } from "node:path";
import {
  COLL_RANKS,
  collectiveSteps,
  type Mode,
  p2pSteps,
  PINGPONG_RANKS,
  pingPongSteps,
  SCALE_RANKS,
  type Step,
  type StepResult,
} from "./plan.ts";
import { findSystems, probe, PYTHON, ROOT, type System } from "./peers.ts";
import { placement, PLACEMENT_BOUND, placementName } from "./_placement.ts";
import { renderTable, writeResults } from "./report.ts";

const USAGE = `usage: deno task compare [options]

  --mode full|smoke     full (default: about 20-35 minutes on 2 cores) or smoke (tiny counts: everything runs)
  --systems LIST        columns to run, separated by commas: spmd, spmd alloc, postMessage, mpi4py, spmd MPI, C MPI
  --ranks LIST          keep the jobs of these rank counts (2 = the point-to-point job; 4, 8; 16, 32, 64)
  --only LIST           keep these steps: bench or bench:bytes (latency:8,bw:1048576,allreduce:8,barrier)
  --repeat N            runs of each job; each figure is the median (default: 3 in full mode, 1 in smoke)
  --out DIR             where compare.json and the SVG plots go (default: bench/results)
  --no-scale            skip the collectives at 16, 32 and 64 ranks
  --no-startup          skip the start-up times
  --no-scatter          skip the scatter example's speedup
  -h, --help            this text

Environment: SPMD_COMPARE_MPI=mpich|openmpi picks the MPI of the C peer (default: the one mpi4py uses, else Open MPI, else MPICH).`;

function parseOptions() {
  try {
    return parseArgs({
      args: Deno.args,
      options: {
        help: { type: "boolean", short: "h", default: false },
        mode: { type: "string", default: "full" },
        repeat: { type: "string" },
        systems: { type: "string" },
        out: { type: "string", default: join(ROOT, "bench", "results") },
        "no-scale": { type: "boolean", default: false },
        "no-startup": { type: "boolean", default: false },
        "no-scatter": { type: "boolean", default: false },
        ranks: { type: "string" },
        only: { type: "string" },
      },
    });
  } catch (e) {
    console.error(`compare: ${e instanceof Error ? e.message : e}\n\n${USAGE}`);
    Deno.exit(2);
  }
}
const { values: opts } = parseOptions();
if (opts.help) {
  console.log(USAGE);
  Deno.exit(0);
}
/** Stops with `message` and the usage (exit status 2), as for an unknown option. */
function usageError(message: string): never {
  console.error(`compare: ${message}\n\n${USAGE}`);
  Deno.exit(2);
}
const mode = opts.mode as Mode;
if (mode !== "smoke" && mode !== "full") usageError(`--mode must be smoke or full, got "${opts.mode}"`);
const repeat = Number(opts.repeat ?? (mode === "full" ? 3 : 1));
if (!Number.isInteger(repeat) || repeat < 1) usageError(`--repeat must be a positive integer, got "${opts.repeat}"`);
const JOB_TIMEOUT_MS = mode === "full" ? 600_000 : 180_000;
const onlyRanks = opts.ranks?.split(",").map((r) => Number(r.trim()));
if (onlyRanks?.some((n) => !Number.isInteger(n) || n < 1)) {
  usageError(`--ranks must be rank counts separated by commas, got "${opts.ranks}"`);
}
const only = opts.only?.split(",").map((item) => {
  const [bench, size, extra] = item.trim().split(":");
  if (bench === "" || extra !== undefined || (size !== undefined && !/^\d+$/.test(size))) {
    usageError(`--only takes bench or bench:bytes items separated by commas, got "${item}"`);
  }
  return { bench, size: size === undefined ? undefined : Number(size) };
});
/** The steps of a job of `ranks` ranks that --ranks and --only keep. */
function kept(ranks: number, steps: Step[]): Step[] {
  if (onlyRanks !== undefined && !onlyRanks.includes(ranks)) return [];
  if (only === undefined) return steps;
  return steps.filter((st) => only.some((o) => o.bench === st.bench && (o.size === undefined || o.size === st.size)));
}

const work = Deno.makeTempDirSync({ prefix: "spmd-compare-" });
const t0 = performance.now();
const all = await findSystems(work);
const wanted = opts.systems?.split(",").map((s) => s.trim());
const unknown = wanted?.filter((w) => !all.some((s) => s.name === w)) ?? [];
if (unknown.length > 0) {
  Deno.removeSync(work, { recursive: true });
  usageError(
    `unknown system(s) ${unknown.map((u) => `"${u}"`).join(", ")}; known: ${all.map((s) => s.name).join(", ")}`,
  );
}
const systems = wanted ? all.filter((s) => wanted.includes(s.name)) : all;
for (const s of systems) {
  console.error(`compare: ${s.name}: ${s.missing === null ? s.version : `not installed (${s.missing})`}`);
}

/** Every step result of every system, all repeats. */
const runs: { system: string; result: StepResult; job: string }[] = [];
/** A flag ping-pong between two threads before and after each repeat of each system's jobs of 2-8 ranks, µs one way. */
const placements: { system: string; before: number; after: number; job: string }[] = [];
/** Failures of whole jobs, by system. */
const failures: { system: string; ranks: number; error: string }[] = [];

/**
 * The placement each placed job (2, 4 or 8 ranks) of the reference system ran in ("shared cache", "no shared
 * cache"), by job key: a job of another system that ran in another placement is run again (see runJob).
 */
const refPlacement = new Map<string, string>();
/** Tries of each repeat of a placed job to run in the reference's placement. */
const PLACEMENT_TRIES = 3;
/**
 * Jobs of these rank counts are placed, in full mode: bracketed by placement probes and run again in another
 * placement (smoke mode's figures mean nothing: it only checks that everything runs).
 */
function placed(ranks: number): boolean {
  return mode === "full" && ranks <= Math.max(...COLL_RANKS, ...PINGPONG_RANKS);
}

/** The name of a job in `runs` and `placements`. */
function jobKey(ranks: number, what: string): string {
  return `${ranks} ${what}`;
}

/**
 * Runs one job `repeat` times (`what` for the progress line on stderr). In
 * full mode each repeat of a job of 2 to 8 ranks is bracketed by placement
 * probes (the placement changes from minute to minute, and can change in the
 * middle of a job: _placement.ts; one probe serves as the after of a repeat
 * and the before of the next). A repeat that ran in another placement than
 * the one the reference system's same job ran in (`target` when given; for
 * the reference itself, the one its first repeat ran in), or whose placement
 * changed, is run again, up to {@linkcode PLACEMENT_TRIES} times, and then
 * once more as many times after the other repeats, where its last try
 * counts. Returns "failed" when a run failed (it is not tried again),
 * else the placement the job's kept repeats ran in, "changing"
 * where they did not all run in one, "" for a job that is not placed.
 */
async function runJob(
  system: System,
  ranks: number,
  steps: Step[],
  what: string,
  ref = false,
  target?: string,
): Promise<string> {
  const j0 = performance.now();
  const job = jobKey(ranks, what);
  console.error(`compare: ${system.name}: ${what}, ${ranks} ranks`);
  const plan = join(work, `plan-${ranks}.json`);
  Deno.writeTextFileSync(plan, JSON.stringify({ ranks, steps }));
  const bound = PLACEMENT_BOUND.has(system.name);
  let want = target ?? (ref ? undefined : refPlacement.get(job)); // none where the reference's placement changed
  const kept = new Set<string>();
  let failed = false;
  let probe = placed(ranks) ? await placement() : 0;
  // Repeats to run; one whose tries all ran in another placement is run again after the others (the placement changes
  // every few seconds to minutes), where its last try counts.
  const todo = Array.from({ length: repeat }, (_, i) => ({ i, round: 0 }));
  repeats: for (let r = todo.shift(); r !== undefined; r = todo.shift()) {
    r.round++;
    for (let t = 1;; t++) {
      const mark = runs.length;
      if (!await runOnce(system, ranks, plan, steps.length, job)) {
        failed = true;
        break repeats; // a job that failed is not tried again
      }
      if (!placed(ranks)) break;
      const before = probe;
      const after = probe = await placement();
      const got = placementName(before) === placementName(after) ? placementName(before) : "changing";
      const note = `repeat ${r.i + 1}: placement ${before.toFixed(3)} -> ${after.toFixed(3)} us one way`;
      console.error(`compare: ${system.name}: ${note}`);
      const last = t === PLACEMENT_TRIES;
      if ((got !== "changing" && got === (want ?? got)) || !bound || (last && r.round === 2)) {
        placements.push({ system: system.name, before, after, job });
        kept.add(got);
        if (want === undefined && got !== "changing" && bound) want = got;
        break;
      }
      runs.splice(mark);
      if (last) {
        console.error(`compare: ${system.name}: ran with ${got}, not ${want ?? "one placement"}: after the others`);
        todo.push(r);
        break;
      }
      console.error(`compare: ${system.name}: ran with ${got}, not ${want ?? "one placement"}: again`);
    }
  }
  const got = failed ? "failed" : !placed(ranks) ? "" : kept.size === 1 ? [...kept][0] : "changing";
  if (ref && got !== "changing" && got !== "") refPlacement.set(job, got);
  console.error(`compare: ${system.name}: ${ranks} ranks took ${((performance.now() - j0) / 1000).toFixed(1)} s`);
  return got;
}

/** Runs a job once, adding its step results to `runs` (true) or its failure to `failures` (false). */
async function runOnce(system: System, ranks: number, plan: string, steps: number, job: string): Promise<boolean> {
  const { cmd, env: own } = system.command(ranks, plan);
  // spmd's MPI backend stops a blocked job itself (with a report) before the job is killed.
  const env = { ...own, SPMD_TIMEOUT: String(JOB_TIMEOUT_MS / 1000 - 15) };
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd[0], {
      args: cmd.slice(1),
      env,
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(JOB_TIMEOUT_MS),
    }).output();
  } catch (e) {
    failures.push({ system: system.name, ranks, error: String(e) });
    return false;
  }
  const text = new TextDecoder().decode(out.stdout);
  const lines = text.split("\n").filter((l) => l.startsWith("{"));
  if (!out.success || lines.length !== steps) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" / ");
    failures.push({ system: system.name, ranks, error: `exit ${out.code}, ${lines.length}/${steps} steps: ${err}` });
    return false;
  }
  for (const l of lines) runs.push({ system: system.name, result: JSON.parse(l) as StepResult, job });
  return true;
}

const live = systems.filter((s) => s.missing === null);
// The reference (C MPI where it runs) goes first, so that the others' 2-rank jobs can be run in its placement.
const reference = live.find((s) => s.name === "C MPI") ?? live[0];
/** The placed jobs (ranks, what, steps) by job key, and the placement each system's ran in at last. */
const tracked = new Map<string, { ranks: number; what: string; steps: Step[]; got: Map<System, string> }>();
async function runTracked(s: System, ranks: number, steps: Step[], what: string, ref: boolean): Promise<void> {
  const got = await runJob(s, ranks, steps, what, ref);
  if (!placed(ranks)) return;
  const key = jobKey(ranks, what);
  const t = tracked.get(key) ?? { ranks, what, steps, got: new Map<System, string>() };
  t.got.set(s, got);
  tracked.set(key, t);
}
// Job by job, each system in turn (the reference first): a row's systems run within minutes of each other, not a whole
// system's run apart (10-20 minutes, in which the machine's state drifts).
const order = [reference, ...live.filter((x) => x !== reference)].filter((s): s is System => s !== undefined);
const p2p = kept(2, p2pSteps(mode));
if (p2p.length > 0) { for (const s of order) await runTracked(s, 2, p2p, "point-to-point", s === reference); }
for (const n of [...new Set([...COLL_RANKS, ...PINGPONG_RANKS])].sort((a, b) => a - b)) {
  for (const s of order) {
    const ping = kept(n, PINGPONG_RANKS.includes(n) ? pingPongSteps(mode) : []);
    const coll = kept(n, COLL_RANKS.includes(n) && !s.p2pOnly ? collectiveSteps(mode, n) : []);
    if (ping.length + coll.length === 0) continue;
    const what = [ping.length > 0 ? "ping-pong of ranks 0 and 1" : "", coll.length > 0 ? "collectives" : ""];
    await runTracked(s, n, [...ping, ...coll], what.filter((w) => w !== "").join(", then "), s === reference);
  }
}
if (!opts["no-scale"]) {
  for (const n of SCALE_RANKS) {
    for (const s of order) {
      const coll = s.p2pOnly ? [] : kept(n, collectiveSteps(mode, n, [8]));
      if (coll.length > 0) await runJob(s, n, coll, "collectives (oversubscribed)");
    }
  }
}

/** Drops a system's results of a job (runs and placement probes), before it runs again. */
function forget(system: System, job: string): void {
  for (const list of [runs, placements]) {
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i].system === system.name && list[i].job === job) list.splice(i, 1);
    }
  }
}

/**
 * Runs a system's placed job again in placement `want`, in place of its results so far; where the rerun fails, the
 * results so far stay (with the rerun's failure reported). Returns what runJob returned, or the old placement then.
 */
async function rerun(s: System, t: { ranks: number; what: string; steps: Step[] }, job: string, want: string) {
  const old = {
    runs: runs.filter((r) => r.system === s.name && r.job === job),
    placements: placements.filter((p) => p.system === s.name && p.job === job),
  };
  forget(s, job);
  const got = await runJob(s, t.ranks, t.steps, t.what, false, want);
  if (got !== "failed") return got;
  forget(s, job);
  runs.push(...old.runs);
  placements.push(...old.placements);
  return "failed";
}

// Where every other system's placed job ended in one placement and the reference's in another (the placement can
// change for minutes), the reference's job runs again in theirs. Then every other system's job that did not end in the
// reference's placement runs again in it. Each rerun's repeats try as in runJob.
for (const [job, t] of tracked) {
  const got = t.got;
  // (A job that failed is not run again, nor counted as a placement.)
  if (reference === undefined || !got.has(reference) || got.get(reference) === "failed") continue;
  const bound = [...got].filter(([s, q]) => s !== reference && PLACEMENT_BOUND.has(s.name) && q !== "failed");
  const others = new Set(bound.map(([, q]) => q));
  const [p] = others;
  if (others.size === 1 && p !== "changing" && p !== got.get(reference)) {
    console.error(`compare: ${reference.name}: ${t.what} ran with ${got.get(reference)}, the others with ${p}: again`);
    const q = await rerun(reference, t, job, p);
    if (q !== "failed") got.set(reference, q);
  }
  const want = got.get(reference)!;
  if (want === "changing") continue;
  for (const [s, q] of bound) {
    if (q === want) continue;
    console.error(`compare: ${s.name}: ${t.what} ran with ${q}, ${reference.name} with ${want}: again`);
    const r = await rerun(s, t, job, want);
    if (r !== "failed") got.set(s, r);
  }
}

/** Wall seconds of each start-up run, by system and ranks. */
const startup: { system: string; ranks: number; seconds: number[] }[] = [];
if (!opts["no-startup"]) {
  const deno = Deno.execPath();
  const byName = new Map(live.map((s) => [s.name, s]));
  for (const n of [1, 8, 64]) {
    const cmds: [string, string[], Record<string, string> | undefined][] = [];
    if (byName.has("spmd")) {
      cmds.push(["spmd", [
        deno,
        "run",
        "-A",
        join(ROOT, "cli.ts"),
        "-n",
        String(n),
        join(ROOT, "bench/compare/hello_spmd.ts"),
      ], undefined]);
    }
    const py = byName.get("mpi4py");
    if (py !== undefined) {
      const { cmd, env } = py.command(n, "");
      const launch = cmd.slice(0, cmd.indexOf(PYTHON));
      cmds.push(["mpi4py", [...launch, PYTHON, "-c", "from mpi4py import MPI; MPI.COMM_WORLD.Barrier()"], env]);
    }
    for (const [system, cmd, env] of cmds) {
      const seconds: number[] = [];
      for (let i = 0; i < repeat; i++) {
        const s0 = performance.now();
        const out = await new Deno.Command(cmd[0], { args: cmd.slice(1), env, stdout: "null", stderr: "piped" })
          .output();
        if (out.success) seconds.push((performance.now() - s0) / 1000);
        else failures.push({ system, ranks: n, error: `start-up run failed: exit ${out.code}` });
      }
      if (seconds.length > 0) startup.push({ system, ranks: n, seconds });
    }
  }
}

/** The scatter example's in-program time (compute + gather) by ranks. */
const scatter: { ranks: number; seconds: number[] }[] = [];
if (mode === "full" && !opts["no-scatter"] && live.some((s) => s.name === "spmd")) {
  for (const n of [1, 2, 4, 8]) {
    const seconds: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const text = await probe(
        [Deno.execPath(), "run", "-A", join(ROOT, "examples/scatter/main.ts"), "-n", String(n)],
        300000,
      );
      const m = text === null ? null : /^Time: ([\d.]+) s on (\d+) rank/m.exec(text);
      if (m) seconds.push(Number(m[1]));
    }
    if (seconds.length > 0) scatter.push({ ranks: n, seconds });
  }
}

const report = {
  mode,
  repeat,
  minutes: (performance.now() - t0) / 60000,
  systems: systems.map((s) => ({ name: s.name, version: s.version, missing: s.missing })),
  runs,
  failures,
  startup,
  scatter,
  placements,
};
console.log(renderTable(report));
const files = await writeResults(report, opts.out!);
console.log(`\nresults: ${files.join(", ")} (${report.minutes.toFixed(1)} min)`);
Deno.removeSync(work, { recursive: true });
// Our own programs must always run (the smoke mode in CI is there so the suite cannot rot); a peer that fails
// is reported in the table, as its tools are the machine's.
const ours = failures.filter((f) => f.system === "spmd" || f.system === "spmd alloc" || f.system === "postMessage");
// spmd MPI runs the same peer program (its rot shows in the spmd column) on the machine's MPI: its failures are
// reported in the table and on stderr without failing the run.
const mpiFailed = failures.filter((f) => f.system === "spmd MPI");
if (mpiFailed.length > 0) console.error(`compare: ${mpiFailed.length} job(s) of spmd MPI failed (see the table)`);
if (ours.length > 0) {
  console.error(`compare: ${ours.length} job(s) of spmd, spmd alloc or postMessage failed`);
  Deno.exit(1);
}
