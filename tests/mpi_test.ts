/**
 * The test programs of tests/programs/ on the MPI backend: one process per
 * rank, started by MPICH's `mpiexec.mpich -n N deno run -A prog.ts` and by
 * Open MPI's `mpirun.openmpi --allow-run-as-root --oversubscribe -n N ...`
 * where they are installed (each launcher's tests are skipped, with a note,
 * when it is not). The programs check their own results and fail the job on
 * a wrong answer; failures (a throw, comm.abort, Deno.exit, a receive from a
 * finished rank, SPMD_TIMEOUT) must end the job with a clear message; the
 * scatter example gives the checksum it gives on shared memory.
 *
 * Every job has a hard timeout: the launcher gets SIGTERM, then everything it
 * started gets SIGKILL (the launchers put each rank in a process group, even
 * a session, of its own, so the whole process tree is collected first). Each
 * job also runs with SPMD_TIMEOUT, so that a blocked rank names its wait.
 *
 * Left out, as they test shared-memory things: slots.ts and slots_left.ts
 * (the shared collective slots), alloc.ts types/bad-args/free-ring (shared
 * heaps and their rendezvous: alloc on MPI is not shared memory), the launcher's reports (deadlock detection,
 * "rank N: blocked in ..." of every rank, late-exit: a rank's event loop
 * outliving its module is a Worker's), forced_errors.ts (its algorithm lists).
 */

import { deepEqual, equal, match, notEqual, ok } from "node:assert/strict";
import { cli } from "./_util.ts";

const ROOT = new URL("..", import.meta.url).pathname;

interface Launcher {
  name: string;
  bin: string;
  args: string[];
  /** The library its ranks must load. */
  library: RegExp;
  /** Why its tests are skipped, or null when it is installed. */
  missing: string | null;
}

function onPath(bin: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (dir !== "" && Deno.statSync(`${dir}/${bin}`).isFile) return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

function launcher(name: string, bin: string, args: string[], library: RegExp, pkg: string): Launcher {
  const missing = onPath(bin) ? null : `${bin} not found (${pkg})`;
  if (missing !== null) console.log(`mpi_test: ${name} tests skipped: ${missing}`);
  return { name, bin, args, library, missing };
}

const LAUNCHERS: Launcher[] = [
  launcher("MPICH", "mpiexec.mpich", [], /^libmpich\.so/, "apt-get install mpich"),
  launcher(
    "Open MPI",
    "mpirun.openmpi",
    ["--allow-run-as-root", "--oversubscribe"],
    /^libmpi\.so/,
    "apt-get install openmpi-bin",
  ),
];

/** What a job printed and how it ended. */
interface MpiRun {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Every process below `pid` (Linux /proc; empty elsewhere). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  try {
    for (const e of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(e.name)) continue;
      let stat: string;
      try {
        stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      } catch {
        continue; // gone
      }
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(e.name));
      children.set(ppid, list);
    }
  } catch {
    return [];
  }
  const out: number[] = [];
  for (let i = -1; i < out.length; i++) out.push(...(children.get(i < 0 ? pid : out[i]) ?? []));
  return out;
}

function kill(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Runs `file` (relative to the repository root) as `n` ranks under `l`, with
 * a hard timeout in seconds. `env` adds to the environment; SPMD_TIMEOUT
 * defaults to two thirds of the timeout ("" leaves it unset).
 */
async function mpirun(
  l: Launcher,
  n: number,
  file: string,
  args: string[] = [],
  { env = {}, timeout = 60 }: { env?: Record<string, string>; timeout?: number } = {},
): Promise<MpiRun> {
  const child = new Deno.Command(l.bin, {
    args: [...l.args, "-n", String(n), Deno.execPath(), "run", "-A", file, ...args],
    cwd: ROOT,
    env: { SPMD_TIMEOUT: String(Math.floor(timeout * 2 / 3)), ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true, // a process group of its own
  }).spawn();
  const output = child.output();
  let timedOut = false;
  if ((await within(output, timeout * 1000)) === null) {
    timedOut = true;
    const tree = descendants(child.pid);
    kill(child.pid, "SIGTERM"); // the launcher takes its ranks down
    if ((await within(output, 2000)) === null) {
      kill(-child.pid, "SIGKILL");
      for (const pid of tree) kill(pid, "SIGKILL");
    }
  }
  const out = await output;
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr), timedOut };
}

/** `p`'s value, or null if it has not settled within `ms` milliseconds. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  try {
    return await Promise.race([p, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Fails unless the job ended by itself with status 0. */
function succeeded(r: MpiRun, what: string): void {
  ok(!r.timedOut, `${what}: killed after the hard timeout\n${r.stderr}`);
  equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr.slice(0, 4000)}\n${r.stdout.slice(0, 1000)}`);
}

/** Fails unless the job ended by itself (not killed, not SPMD_TIMEOUT's 124) with a non-zero status. */
function failed(r: MpiRun, what: string): void {
  ok(!r.timedOut, `${what}: killed after the hard timeout\n${r.stderr}`);
  notEqual(r.code, 0, `${what}: succeeded\n${r.stderr}`);
  notEqual(r.code, 124, `${what}: stopped by SPMD_TIMEOUT instead of failing\n${r.stderr}`);
}

/** Programs that check their own results: [file in tests/programs, args, rank counts, hard timeout]. */
const PROGRAMS: [string, string[], number[], number][] = [
  ["wildcards.ts", [], [1, 2, 3], 60], // at 1 rank every message is to the rank itself (never through MPI)
  ["values.ts", [], [2, 3], 60],
  ["many.ts", [], [2, 3], 60],
  ["bad_input.ts", [], [2, 3], 60],
  ["big.ts", [], [2], 90], // ranks 0 and 1 only
  ["stream.ts", ["3000"], [2], 90], // rank 0 to rank 1
  ["collectives.ts", [], [1, 2, 3], 120],
  ["vector.ts", [], [1, 2, 3], 60],
  ["small_things.ts", [], [1, 2, 3], 60], // self() on MPI_COMM_SELF
  ["topology.ts", [], [1, 2, 3], 60], // splitType groups by host name there
  ["user_ops.ts", [], [2, 3], 60],
  ["collective_errors.ts", [], [2, 3], 60],
  ["reduction_errors.ts", [], [2, 3], 60],
  ["reduction_fixes.ts", [], [2, 3], 60],
  ["into.ts", [], [2, 3], 120],
  ["into_errors.ts", [], [2, 3], 60],
  ["edge_values.ts", ["surrogates"], [2, 3], 60],
  ["edge_values.ts", ["detached"], [2, 3], 60],
  ["edge_values.ts", ["deep"], [2, 3], 60],
  ["edge_values.ts", ["request-results"], [2, 3], 60],
  ["alloc.ts", ["sizes"], [2, 3], 60],
  ["alloc.ts", ["head-to-head"], [2, 3], 60],
  ["alloc.ts", ["unexpected"], [2], 60],
  ["alloc.ts", ["truncate-blocking"], [2], 60],
  ["alloc.ts", ["isend-wait-recv", "40000"], [2, 3], 60],
  ["alloc.ts", ["isend-wait-recv", "1048576"], [2], 60],
  ["alloc.ts", ["test-loop"], [2, 3], 30],
  ["alloc.ts", ["memory"], [2], 60],
  ["alloc.ts", ["free-in-flight"], [2, 3], 60], // free's refusals in the words of shared memory (windows.ts inFlight)
  ["requests.ts", [], [1, 2, 3], 90],
  ["ssend.ts", [], [1, 2, 3], 90],
  ["groups.ts", [], [1, 2, 3], 60],
  ["nbc.ts", [], [1, 2, 3], 60],
  ["nbc_into.ts", [], [1, 2, 3], 90],
  ["nbc_progress.ts", [], [2, 3], 60], // a rank blocked in recv drives its nonblocking collectives
  ["windows.ts", [], [2, 4], 120], // MPI_Win_allocate_shared (transport/mpi/windows.ts)
  ["mpi_windows.ts", [], [2, 4], 90],
];

/**
 * Programs that fail on the MPI backend because of a bug in it, by name
 * ("file args", for every launcher, or "<launcher>: file args"), skipped
 * with a note until it is fixed: then delete the line. None at present.
 */
const KNOWN_BUGS: Record<string, string> = {};

for (const l of LAUNCHERS) {
  const test = (name: string, fn: () => Promise<void>): void =>
    Deno.test({ name: `${l.name}: ${name}`, ignore: l.missing !== null, fn });

  test("each rank is a process of the launcher's job, on the MPI backend", async () => {
    const r = await mpirun(l, 3, "tests/programs/args.ts", ["a", "-n", "--x=1"]);
    succeeded(r, "args.ts");
    const lines = r.stdout.trim().split("\n").map((s) => JSON.parse(s));
    lines.sort((a, b) => a.rank - b.rank);
    deepEqual(lines, [0, 1, 2].map((rank) => ({ rank, size: 3, args: ["a", "-n", "--x=1"] })));
    const b = await mpirun(l, 2, "tests/programs/backend_info.ts");
    succeeded(b, "backend_info.ts");
    for (const line of b.stdout.trim().split("\n")) {
      const info = JSON.parse(line);
      equal(info.name, "mpi", line);
      match(info.library, l.library, line);
    }
  });

  for (const [file, args, sizes, timeout] of PROGRAMS) {
    const name = [file, ...args].join(" ");
    const bug = KNOWN_BUGS[`${l.name}: ${name}`] ?? KNOWN_BUGS[name];
    if (bug !== undefined && l.missing === null) console.log(`mpi_test: ${l.name}: ${name} skipped: known bug: ${bug}`);
    Deno.test({
      name: `${l.name}: ${name} at ${sizes.join(" and ")} ranks`,
      ignore: l.missing !== null || bug !== undefined,
    }, async () => {
      for (const n of sizes) {
        succeeded(await mpirun(l, n, `tests/programs/${file}`, args, { timeout }), `${file} -n ${n}`);
      }
    });
  }

  if (l.name === "MPICH") {
    test("a shared window on a communicator that spans nodes is refused on every rank (odd/even cliques)", async () => {
      const env = { MPIR_CVAR_ODD_EVEN_CLIQUES: "1" }; // MPICH sees odd and even ranks as two nodes
      succeeded(await mpirun(l, 4, "tests/programs/mpi_windows.ts", ["cliques"], { env }), "mpi_windows.ts cliques");
    });
  }

  test("an async main that is not awaited runs to its end on every rank", async () => {
    const r = await mpirun(l, 3, "tests/programs/lifecycle.ts", ["async-main"]);
    succeeded(r, "async-main");
    deepEqual(r.stdout.trim().split("\n").sort(), [0, 1, 2].map((i) => `rank ${i}: async main finished with 6`));
  });

  // ---- failures -------------------------------------------------------------------

  test("a rank that throws ends the job with status 1, naming the rank and the error", async () => {
    for (const args of [[], ["busy"]]) {
      const r = await mpirun(l, 3, "tests/programs/throws.ts", args);
      failed(r, `throws.ts ${args}`);
      equal(r.code, 1);
      match(r.stderr, /^rank 1: Error: boom from rank one \(3\)\n\s+at /m);
    }
  });

  test("an unhandled rejection and a throw from a timer end the job, naming the rank", async () => {
    const r = await mpirun(l, 3, "tests/programs/failures.ts", ["reject", "barrier"]);
    failed(r, "reject");
    match(r.stderr, /^rank 1: Error: rejected on purpose/m);
    const t = await mpirun(l, 2, "tests/programs/lifecycle.ts", ["late-throw-waited"]);
    failed(t, "late-throw-waited");
    match(t.stderr, /^rank 1: TypeError: thrown from a timer while rank 0 waits/m);
  });

  test("comm.abort(3) exits 3, comm.abort(0) exits 0, and both say why", async () => {
    for (const code of [3, 0]) {
      const r = await mpirun(l, 3, "tests/programs/abort.ts", [String(code)]);
      ok(!r.timedOut, r.stderr);
      equal(r.code, code, r.stderr);
      match(r.stderr, /^rank 0: giving up on purpose/m);
    }
  });

  test("Deno.exit(3) exits 3; Deno.exit(256) is a failure, not status 0", async () => {
    const r = await mpirun(l, 3, "tests/programs/failures.ts", ["exit", "barrier"]);
    failed(r, "exit 3");
    equal(r.code, 3);
    match(r.stderr, /^rank 1: called Deno\.exit\(3\) before the job ended/m);
    const e = await mpirun(l, 2, "tests/programs/lifecycle.ts", ["exit256"]);
    failed(e, "exit256");
    equal(e.code, 1);
    match(e.stderr, /^rank 1: called Deno\.exit\(256\) before the job ended/m);
  });

  test("a receive from a rank that has finished fails at once, naming both (no SPMD_TIMEOUT)", async () => {
    for (const [how, tag] of [["recv-from-ended", 3], ["exit0-waited", 4]]) {
      const r = await mpirun(l, 2, "tests/programs/lifecycle.ts", [String(how)], { env: { SPMD_TIMEOUT: "" } });
      failed(r, String(how));
      match(
        r.stderr,
        new RegExp(
          `^rank 0: SpmdError: recv: rank 1 has finished without sending a matching message \\(tag ${tag}\\)`,
          "m",
        ),
      );
    }
  });

  test("messages never received fail the job when it ends, each one listed; a large send to a finished rank too", async () => {
    const r = await mpirun(l, 2, "tests/programs/lifecycle.ts", ["unreceived-small"]);
    failed(r, "unreceived-small");
    match(r.stderr, /finalize: 2 message\(s\) were sent and never received:\n/);
    match(r.stderr, /rank 0 → rank 1: tag 6, 8 bytes, comm 0\n/);
    match(r.stderr, /rank 0 → rank 1: tag 7, 3 bytes, comm 0\n/);
    const s = await mpirun(l, 2, "tests/programs/lifecycle.ts", ["send-to-ended"]); // 4 MiB to a rank that never receives
    failed(s, "send-to-ended");
    match(s.stderr, /rank 0 → rank 1: tag 5, 4194304 bytes|send: rank 1 has finished, so this message/);
    const c = await mpirun(l, 2, "tests/programs/deadlock.ts", ["left-over"]);
    failed(c, "left-over collectives");
    match(c.stderr, /mismatched collectives|has finished without joining this collective/);
  });

  test("SPMD_TIMEOUT stops a blocked job with 124, naming the wait", async () => {
    const r = await mpirun(l, 3, "tests/programs/hang.ts", [], { env: { SPMD_TIMEOUT: "1" }, timeout: 30 });
    ok(!r.timedOut, r.stderr);
    equal(r.code, 124, r.stderr);
    match(
      r.stderr,
      /^rank [12]: job timed out after 1 s \(SPMD_TIMEOUT\): rank [12] blocked in recv\((peer|source)=0, tag=7/m,
    );
    const d = await mpirun(l, 2, "tests/programs/deadlock.ts", ["cycle"], { env: { SPMD_TIMEOUT: "1" }, timeout: 30 });
    ok(!d.timedOut, d.stderr);
    equal(d.code, 124, d.stderr);
    match(d.stderr, /job timed out after 1 s \(SPMD_TIMEOUT\): rank [01] blocked in recv\((peer|source)=[01], tag=3/);
  });

  // ---- the scatter example --------------------------------------------------------

  test("the scatter example at 4 ranks gives the checksum it gives on shared memory", async () => {
    const grid = ["-nx", "64", "-ny", "64", "-nc", "64", "-checksum"];
    const checksum = (out: string) => /^Sum of scattered field \|amplitudes\|\^2: (\S+)$/m.exec(out)?.[1];
    const r = await mpirun(l, 4, "examples/scatter/main.ts", grid, { timeout: 90 });
    succeeded(r, "scatter");
    const shm = await cli(["-n", "4", "--timeout", "60", "examples/scatter/main.ts", ...grid], 90);
    equal(shm.code, 0, shm.stderr);
    ok(checksum(shm.stdout) !== undefined, shm.stdout);
    equal(checksum(r.stdout), checksum(shm.stdout), r.stdout);
  });
}
