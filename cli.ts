/**
 * The launcher (spmd's `mpiexec`): runs a program as N ranks.
 *
 * ```sh
 * deno run -A cli.ts -n 4 app.ts a b      # 4 ranks; Deno.args is ["a", "b"] in each
 * deno run -A cli.ts -n 2 --timeout 60 --tag-output app.ts
 * deno run -A cli.ts --version             # spmd's version and the MPI library found, if any
 * ```
 *
 * Exit status: 0 when every rank returned; the abort code, as given, when a
 * rank called `comm.abort(code)`; the code of a `Deno.exit(code)` in a rank;
 * 124 on timeout; 1 when a rank failed, on a deadlock, or when messages
 * were never received; 2 for bad usage.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { resolve, toFileUrl } from "./_path.ts";
import { startJob } from "./launcher/job.ts";
import { formatFailure } from "./launcher/report.ts";
import { traceOutputError } from "./launcher/_trace_path.ts";
import { writeTraceOutputs } from "./launcher/trace_out.ts";
import { MAX_RANKS } from "./transport/shm_layout.ts";
import { HEAP_BYTES_MAX, HEAP_BYTES_MIN, isHeapBytes } from "./transport/heap.ts";
import { loadMpi } from "./transport/mpi/lib.ts";
import { startedByMpi } from "./transport/mpi/detect.ts";
import denoJson from "./deno.json" with { type: "json" };

/** The launcher's usage text. */
export const USAGE: string = `Usage: spmd [options] <script.ts> [script args...]

Runs <script.ts> as N ranks that communicate through shared memory.
Started by an MPI launcher (mpiexec -n N deno run -A cli.ts app.ts), it runs
<script.ts> in this process as one MPI rank instead (spmd's MPI backend).

Options:
  -n, --np N          number of ranks (default 1; 1..${MAX_RANKS})
      --timeout SECS  stop the whole job after SECS seconds (exit code 124),
                      reporting what each rank was doing
  -l, --tag-output    prefix every output line with [1,rank]<stdout>:
      --trace FILE    record every rank's calls and messages: FILE.json is a
                      Perfetto/Chrome trace (ui.perfetto.dev), FILE.svg the
                      timeline drawn (deno task trace FILE.json draws one later)
      --profile       print an mpiP-style profile (time in calls, messages,
                      bytes from rank to rank) to stderr at the end
      --heap SIZE     limit of each rank's comm.alloc heap, in bytes or with
                      a K, M, G or T suffix (default 1G; memory is used only
                      as arrays are written)
  -x VAR[=value], --env VAR=value
                      set an environment variable for the ranks
  -np N, -c N         as -n; --oversubscribe, --bind-to X, --map-by X are
                      accepted and ignored; MPIEXEC_TIMEOUT is read as --timeout
  -h, --help          show this help
      --version       show spmd's version and the MPI library that a job
                      started by mpiexec would load

Options go before the script; everything after it is passed to the ranks
as Deno.args.

Exit status: 0 if every rank returned; the abort code, as given, if a rank
called comm.abort(code); the code of a Deno.exit(code) in a rank; 124 on
timeout; 1 if a rank failed, on a deadlock, or if messages were sent and
never received; 2 on bad usage.`;

/** Parsed launcher options. */
export interface CliOptions {
  /** Number of ranks. */
  np: number;
  /** Whole-job timeout in seconds, if any. */
  timeout?: number;
  /** Prefix output lines with the rank. */
  tagOutput: boolean;
  /** Limit of each rank's heap in bytes, if given. */
  heapBytes?: number;
  /** Trace file (.json or .svg), if any. */
  trace?: string;
  /** Print a profile at the end. */
  profile: boolean;
  /** Show help. */
  help: boolean;
  /** Show the version. */
  version: boolean;
  /** The script path as given. */
  script?: string;
  /** Arguments for the ranks. */
  args: string[];
  /** Environment variables to set for the ranks (`-x VAR[=value]`, `--env VAR=value`). */
  env: Record<string, string>;
  /** mpiexec options accepted and ignored, for one note on stderr. */
  ignored: string[];
}

/** mpiexec options that place processes: accepted and ignored (ranks are threads of one process). */
const PLACEMENT = new Set(["--oversubscribe", "--bind-to", "--map-by", "-bind-to", "-map-by"]);
/** mpiexec options that name other machines: refused, pointing to the MPI backend. */
const HOSTS = new Set(["--host", "-host", "-H", "--hostfile", "-hostfile", "--machinefile", "-machinefile", "-f"]);

const WITH_VALUE = new Set(["-n", "--np", "--timeout", "--heap", "--trace"]);

/** Parses launcher arguments; throws an Error with a user-facing message on bad usage. */
export function parseCli(argv: readonly string[]): CliOptions {
  // Launcher options end at the first non-option (the script) or "--".
  // Options that take a value are joined to it ("--np=4"), so that a value
  // starting with a dash reaches our own range checks.
  const own: string[] = [];
  const env: Record<string, string> = {};
  const ignored: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    let a = argv[i];
    if (a === "--" || !a.startsWith("-") || a === "-") break;
    // mpiexec's spellings (Open MPI, MPICH)
    if (a === "-np" || a === "-c") a = "-n";
    if (a === "-l") a = "--tag-output";
    if (PLACEMENT.has(a) || PLACEMENT.has(a.split("=")[0])) {
      ignored.push(a);
      if (a !== "--oversubscribe" && !a.includes("=")) ignored.push(argv[++i] ?? "");
      continue;
    }
    if (HOSTS.has(a.split("=")[0])) {
      throw new Error(
        `${a.split("=")[0]}: spmd's launcher runs every rank as a thread of this one process; to run across ` +
          `machines, start the program with your MPI library's mpiexec (spmd's MPI backend, see the README)`,
      );
    }
    if (a === "-x" || a === "--env") {
      const v = argv[++i];
      if (v === undefined || !/^[A-Za-z_][A-Za-z0-9_]*(=|$)/.test(v)) {
        throw new Error(`${a} needs VAR or VAR=value, got ${v === undefined ? "nothing" : `"${v}"`}`);
      }
      const eq = v.indexOf("=");
      if (eq > 0) env[v.slice(0, eq)] = v.slice(eq + 1);
      else if (a === "-x") env[v] = Deno.env.get(v) ?? "";
      else throw new Error(`--env needs VAR=value, got "${v}"`);
      continue;
    }
    if (WITH_VALUE.has(a)) {
      if (i + 1 >= argv.length) throw new Error(`option ${a} needs a value`);
      own.push(`${a === "-n" ? "--np" : a}=${argv[++i]}`);
    } else own.push(a);
  }
  const rest = argv.slice(argv[i] === "--" ? i + 1 : i);
  const { values } = parseArgs({
    args: own,
    strict: true,
    allowPositionals: false,
    options: {
      np: { type: "string", short: "n" },
      timeout: { type: "string" },
      heap: { type: "string" },
      trace: { type: "string" },
      profile: { type: "boolean" },
      "tag-output": { type: "boolean" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean" },
    },
  });
  const opts: CliOptions = {
    np: 1,
    tagOutput: values["tag-output"] ?? false,
    profile: values.profile ?? false,
    help: values.help ?? false,
    version: values.version ?? false,
    script: rest[0],
    args: rest.slice(1),
    env,
    ignored,
  };
  if (opts.help || opts.version) return opts;
  if (values.np !== undefined) {
    const n = Number(values.np);
    if (
      !/^\s*\d+\s*$/.test(values.np) || !Number.isInteger(n) || n < 1 ||
      n > MAX_RANKS
    ) {
      throw new Error(
        `-n/--np must be an integer in 1..${MAX_RANKS}, got "${values.np}"`,
      );
    }
    opts.np = n;
  }
  if (values.timeout !== undefined) {
    const t = Number(values.timeout);
    if (values.timeout.trim() === "" || !Number.isFinite(t) || t <= 0) {
      throw new Error(
        `--timeout must be a positive number of seconds, got "${values.timeout}"`,
      );
    }
    opts.timeout = t;
  } else if (Deno.env.get("MPIEXEC_TIMEOUT")) {
    const v = Deno.env.get("MPIEXEC_TIMEOUT")!;
    const t = Number(v);
    if (!Number.isFinite(t) || t <= 0) {
      throw new Error(`MPIEXEC_TIMEOUT must be a positive number of seconds, got "${v}"`);
    }
    opts.timeout = t;
  }
  if (values.trace !== undefined) {
    const why = traceOutputError(values.trace);
    if (why !== null) throw new Error(`--trace ${why}`);
    opts.trace = values.trace;
  }
  if (values.heap !== undefined) {
    const m = /^\s*(\d+)\s*([kmgt]?)i?b?\s*$/i.exec(values.heap);
    const n = m === null ? NaN : Number(m[1]) * 1024 ** " kmgt".indexOf((m[2] || " ").toLowerCase());
    if (!isHeapBytes(n)) {
      throw new Error(
        `--heap must be a size in ${HEAP_BYTES_MIN}..${HEAP_BYTES_MAX} bytes (e.g. 512M, 4G), got "${values.heap}"`,
      );
    }
    opts.heapBytes = n;
  }
  if (opts.script === undefined) throw new Error("no script given");
  return opts;
}

function usageError(message: string): never {
  console.error(`spmd: ${message}\n\n${USAGE}`);
  Deno.exit(2);
}

/**
 * Runs the launcher with `argv`; exits the process with the job's code.
 * Under an MPI launcher it runs the program in this process instead and
 * returns once the program's module has run (its event loop goes on).
 */
export async function main(argv: readonly string[]): Promise<void> {
  let opts: CliOptions;
  try {
    opts = parseCli(argv);
  } catch (e) {
    usageError((e as Error).message);
  }
  if (opts.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  if (opts.version) {
    console.log(versionText());
    Deno.exit(0);
  }
  const path = resolve(opts.script!);
  try {
    if (!Deno.statSync(path).isFile) {
      usageError(`script is not a file: ${opts.script}`);
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      usageError(`script not found: ${opts.script}`);
    }
    throw e;
  }
  if (startedByMpi()) return await runUnderMpi(argv, opts, path);
  for (const [k, v] of Object.entries(opts.env)) Deno.env.set(k, v); // ranks are threads: they share this environment
  if (opts.ignored.length > 0 && Deno.env.get(STATUS_ENV) === undefined) {
    console.error(`spmd: ignored ${opts.ignored.join(" ")}: ranks are threads of one process, placed by the OS`);
  }
  const statusFile = Deno.env.get(STATUS_ENV);
  if (statusFile === undefined && canSupervise()) return await supervise(argv);
  const job = startJob({
    module: toFileUrl(path),
    size: opts.np,
    args: opts.args,
    timeout: opts.timeout,
    tagOutput: opts.tagOutput,
    heapBytes: opts.heapBytes,
    trace: opts.trace !== undefined || opts.profile,
    onActivity: statusFile === undefined ? undefined : (lines) => {
      try {
        Deno.writeTextFileSync(statusFile, lines.join("\n"));
      } catch { /* best effort */ }
    },
  });
  const stopOnSignal = () => job.stop(130, "interrupted (SIGINT)");
  try {
    Deno.addSignalListener("SIGINT", stopOnSignal);
  } catch { /* signals unsupported here */ }
  const result = await job.done;
  const report = result.ok ? "" : formatFailure(result);
  const notes = opts.trace !== undefined || opts.profile
    ? writeTraceOutputs(
      { trace: opts.trace, profile: opts.profile },
      { program: opts.script!, size: opts.np, failed: report || undefined },
      job.traces(),
    )
    : [];
  if (!result.ok) console.error([report, ...notes].join("\n"));
  Deno.exit(result.code);
}

/**
 * `mpiexec -n 4 deno run -A cli.ts app.ts`: an MPI launcher started this
 * process as one rank, so the program runs here, on the MPI backend (the
 * number of ranks is mpiexec's; `-n` is refused rather than ignored).
 */
async function runUnderMpi(argv: readonly string[], opts: CliOptions, path: string): Promise<void> {
  const script = argv.indexOf(opts.script!);
  if (argv.slice(0, script).some((a) => a === "-n" || a === "--np" || a.startsWith("--np=") || /^-n\d/.test(a))) {
    usageError("started by an MPI launcher: the number of ranks is the launcher's (mpiexec -n N); drop -n");
  }
  Object.defineProperty(Deno, "args", { value: Object.freeze([...opts.args]), configurable: true });
  await import(toFileUrl(path).href);
}

/**
 * What `--version` prints: spmd's version and Deno's, then the MPI library
 * that a rank started by an MPI launcher would load (`SPMD_MPI_LIB`, else
 * the default search; this only opens the library and asks its version,
 * MPI is not initialized), or why none could be loaded.
 */
export function versionText(env: (k: string) => string | undefined = (k) => Deno.env.get(k)): string {
  const head = `spmd ${denoJson.version} (Deno ${Deno.version.deno}, V8 ${Deno.version.v8})`;
  try {
    const lib = loadMpi(env);
    const version = lib.version.replaceAll("\0", "").trim(); // Open MPI counts its string's NUL
    return `${head}\nMPI: ${version} (${lib.path}, ${lib.abi.name} ABI)`;
  } catch (e) {
    const why = (e as Error).message.replace(/^no MPI library could be loaded \((.*)\); install/s, "$1; install");
    return `${head}\nMPI: no MPI library found: ${why}`;
  }
}

/** Environment variable naming the status file of a supervised job process. */
const STATUS_ENV = "SPMD_SUPERVISED_STATUS";

function canSupervise(): boolean {
  try {
    return Deno.permissions.querySync({ name: "run" }).state === "granted" &&
      Deno.permissions.querySync({ name: "write" }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Runs the job in a child process and watches it. V8 ends the whole process
 * when one isolate runs out of memory (or crashes), so no code inside the
 * job's process can report it; the supervisor then prints what every rank
 * was doing at the last check (which the child keeps in a status file).
 */
async function supervise(argv: readonly string[]): Promise<never> {
  const statusFile = Deno.makeTempFileSync({ prefix: "spmd-status-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, ...argv],
    env: { [STATUS_ENV]: statusFile },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const ignore = () => {}; // the child gets SIGINT too and stops the job itself
  try {
    Deno.addSignalListener("SIGINT", ignore);
  } catch { /* signals unsupported here */ }
  const st = await child.status;
  if (st.signal !== null) {
    let last = "";
    try {
      last = Deno.readTextFileSync(statusFile);
    } catch { /* no status yet */ }
    console.error(
      `spmd: the job's process was killed by ${st.signal}: V8 ends the whole process when a rank runs out of memory ` +
        `(see "Fatal JavaScript out of memory" above) or crashes.` +
        (last ? `\nranks at the last check (a rank running user code is the likely cause):\n${indent(last)}` : ""),
    );
  }
  try {
    Deno.removeSync(statusFile);
  } catch { /* already gone */ }
  Deno.exit(st.signal !== null ? 128 + signalNumber(st.signal) : st.code);
}

function indent(text: string): string {
  return text.split("\n").map((l) => `  ${l}`).join("\n");
}

function signalNumber(sig: Deno.Signal): number {
  const n: Record<string, number> = { SIGTRAP: 5, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15, SIGINT: 2 };
  return n[sig] ?? 1;
}

if (import.meta.main) await main(Deno.args);
