// The launcher's command line: its usage text and its parser (cli.ts runs
// what this parses). mpiexec's spellings are taken; ':' separates MPMD app
// contexts.

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { resolve, toFileUrl } from "../_path.ts";
import { traceOutputError } from "./_trace_path.ts";
import { MAX_RANKS } from "../transport/shm_layout.ts";
import { HEAP_BYTES_MAX, HEAP_BYTES_MIN, isHeapBytes } from "../transport/heap.ts";

/** The launcher's usage text. */
export const USAGE: string = `Usage: spmd [options] <script> [script args...] [: [-n N] <script> [args...]]...

Runs <script> as N ranks that communicate through shared memory. <script> is
a path, a file:, http: or https: URL, or a jsr: or npm: specifier.
Started by an MPI launcher (mpiexec -n N deno run -A cli.ts app.ts), it runs
<script> in this process as one MPI rank instead (spmd's MPI backend).

Options:
  -n, --np N          number of ranks (default 1; 1..${MAX_RANKS})
      --timeout SECS  stop the whole job after SECS seconds (exit code 124),
                      reporting what each rank was doing
  -l, --tag-output    prefix every output line with [1,rank]<stdout>:
      --timestamp-output
                      prefix every output line with the time it was written,
                      [2025-01-31T12:00:00.000Z] (before the tag with -l)
      --output-filename DIR
                      write rank N's output to DIR/1/rank.N/stdout and
                      DIR/1/rank.N/stderr (as Open MPI does) instead of the
                      terminal, which gets only the launcher's own report
      --trace FILE    record every rank's calls and messages: FILE.json is a
                      Perfetto/Chrome trace (ui.perfetto.dev), FILE.svg the
                      timeline drawn (deno task trace FILE.json draws one later)
      --profile       print an mpiP-style profile (time in calls, messages,
                      bytes from rank to rank) to stderr at the end
      --heap SIZE     limit of each rank's comm.alloc heap, in bytes or with
                      a K, M, G or T suffix (default 1G; memory is used only
                      as arrays are written)
      --v8-flags=FLAGS
                      V8 flags for the job (--v8-flags=--max-old-space-size=4096).
                      Ranks are threads of one process, so V8 flags are the
                      process's: the launcher re-runs itself with them as
                      deno run --v8-flags=FLAGS (which needs --allow-run and
                      --allow-write; deno run -A has them); without those it
                      says so and runs without the flags
  -x VAR[=value], --env VAR=value
                      set an environment variable for the ranks
  -np N, -c N         as -n; --oversubscribe, --bind-to X, --map-by X are
                      accepted and ignored; MPIEXEC_TIMEOUT is read as --timeout
  -h, --help          show this help
      --version       show spmd's version and the MPI library that a job
                      started by mpiexec would load

Options go before the script; everything after it is passed to the ranks
as Deno.args, up to a lone ':'.

MPMD: app contexts separated by ':' run as one world, ranks numbered in
order. spmd -n 1 master.ts a : -n 3 worker.ts b runs rank 0 as master.ts
with Deno.args ["a"] and ranks 1..3 as worker.ts with ["b"]. The options
above are the whole job's and go before the first script; after a ':' only
-n N (default 1).

Exit status: 0 if every rank returned; the abort code, as given, if a rank
called comm.abort(code); the code of a Deno.exit(code) in a rank; 124 on
timeout; 1 if a rank failed, on a deadlock, or if messages were sent and
never received; 2 on bad usage.`;

/** One MPMD app context: `-n N script args...`. */
export interface AppContext {
  /** Number of ranks that run the script. */
  np: number;
  /** The script as given: a path, a URL or a `jsr:`/`npm:` specifier. */
  script: string;
  /** `Deno.args` of these ranks. */
  args: string[];
}

/** Parsed launcher options. */
export interface CliOptions {
  /** Number of ranks (of all app contexts together). */
  np: number;
  /** Whole-job timeout in seconds, if any. */
  timeout?: number;
  /** Prefix output lines with the rank. */
  tagOutput: boolean;
  /** Prefix output lines with the time they were written. */
  timestampOutput: boolean;
  /** Directory of the ranks' output files (`DIR/1/rank.N/stdout`), if given. */
  outputFilename?: string;
  /** V8 flags for the job's process (`--v8-flags`), in order; empty if none. */
  v8Flags: string[];
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
  /** The (first app context's) script as given. */
  script?: string;
  /** Arguments for the (first app context's) ranks. */
  args: string[];
  /** The app contexts in rank order (one unless ':' separates several). */
  apps: AppContext[];
  /** Environment variables to set for the ranks (`-x VAR[=value]`, `--env VAR=value`). */
  env: Record<string, string>;
  /** mpiexec options accepted and ignored, for one note on stderr. */
  ignored: string[];
}

/** mpiexec options that place processes: accepted and ignored (ranks are threads of one process). */
const PLACEMENT = new Set(["--oversubscribe", "--bind-to", "--map-by", "-bind-to", "-map-by"]);
/** mpiexec options that name other machines: refused, pointing to the MPI backend. */
const HOSTS = new Set(["--host", "-host", "-H", "--hostfile", "-hostfile", "--machinefile", "-machinefile", "-f"]);
/** Open MPI's single-dash spellings of options spmd spells with two. */
const SINGLE_DASH: Record<string, string> = {
  "-timestamp-output": "--timestamp-output",
  "-output-filename": "--output-filename",
  "-tag-output": "--tag-output",
};

const WITH_VALUE = new Set(["-n", "--np", "--timeout", "--heap", "--trace", "--output-filename", "--v8-flags"]);
const NP_SPELLINGS = new Set(["-n", "-np", "-c", "--np"]);

/** The number of ranks of `-n`'s value, or an Error naming it. */
function rankCount(v: string): number {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isInteger(n) || n < 1 || n > MAX_RANKS) {
    throw new Error(`-n/--np must be an integer in 1..${MAX_RANKS}, got "${v}"`);
  }
  return n;
}

/** The script and its arguments from `argv[i]`, up to a lone ':' (exclusive). */
function appTail(argv: readonly string[], i: number): { script?: string; args: string[]; end: number } {
  let end = i;
  while (end < argv.length && argv[end] !== ":") end++;
  const script = i < end ? argv[i] : undefined;
  return { script, args: argv.slice(i + 1, end), end };
}

/**
 * The app contexts after the first one: each is `: [-n N] script args...`
 * starting at argv[i] (a ':'). Only -n (any spelling) may come before its script.
 */
function laterApps(argv: readonly string[], i: number): AppContext[] {
  const apps: AppContext[] = [];
  while (i < argv.length) {
    i++; // the ':'
    let np = 1;
    while (i < argv.length && argv[i].startsWith("-") && argv[i] !== "-") {
      const a = argv[i];
      if (a === "--") {
        i++;
        break;
      }
      const [name, inline] = a.startsWith("--np=") ? ["--np", a.slice(5)] : [a, undefined];
      if (!NP_SPELLINGS.has(name)) {
        throw new Error(
          `${a}: the job's options go before the first script; after ':' only -n N may come before the script`,
        );
      }
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`option ${a} needs a value`);
      np = rankCount(v);
      i++;
    }
    const tail = appTail(argv, i);
    if (tail.script === undefined) {
      throw new Error(`app context ${apps.length + 2} (after ':') has no script`);
    }
    apps.push({ np, script: tail.script, args: tail.args });
    i = tail.end;
  }
  return apps;
}

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
    a = SINGLE_DASH[a] ?? a;
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
  const first = appTail(argv, argv[i] === "--" ? i + 1 : i);
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
      "timestamp-output": { type: "boolean" },
      "output-filename": { type: "string" },
      "v8-flags": { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean" },
    },
  });
  const opts: CliOptions = {
    np: 1,
    tagOutput: values["tag-output"] ?? false,
    timestampOutput: values["timestamp-output"] ?? false,
    v8Flags: [],
    profile: values.profile ?? false,
    help: values.help ?? false,
    version: values.version ?? false,
    script: first.script,
    args: first.args,
    apps: [],
    env,
    ignored,
  };
  if (opts.help || opts.version) return opts;
  if (values.np !== undefined) opts.np = rankCount(values.np);
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
  const dir = values["output-filename"];
  if (dir !== undefined) {
    if (dir.trim() === "" || dir.startsWith("-")) {
      throw new Error(`--output-filename needs a directory, got "${dir}"`);
    }
    opts.outputFilename = dir;
  }
  for (const f of values["v8-flags"] ?? []) {
    if (!/^--?[A-Za-z]/.test(f) || f.split(",").some((p) => !/^--?[A-Za-z]/.test(p.trim()))) {
      throw new Error(`--v8-flags needs V8 flags such as --max-old-space-size=4096, got "${f}"`);
    }
    opts.v8Flags.push(f);
  }
  if (opts.script === undefined) {
    throw new Error(argv[first.end] === ":" ? "no script before ':'" : "no script given");
  }
  opts.apps = [{ np: opts.np, script: opts.script, args: opts.args }, ...laterApps(argv, first.end)];
  const total = opts.apps.reduce((s, a) => s + a.np, 0);
  if (total > MAX_RANKS) {
    throw new Error(
      `-n/--np: the app contexts add up to ${total} ranks (${opts.apps.map((a) => a.np).join(" + ")}), ` +
        `more than ${MAX_RANKS}`,
    );
  }
  opts.np = total;
  return opts;
}

/** URL schemes (and Deno specifier prefixes) a script may be given with; anything else is a path. */
const SCHEMES = /^(file|https?|jsr|npm|data):/i;

/**
 * What a rank imports for `script`: a URL or `jsr:`/`npm:` specifier as is
 * (the rank's dynamic import resolves it), a path (relative to the working
 * directory; never parsed as a URL) as its file URL. `local` is the file to
 * check for a path or `file:` URL, else null.
 */
export function scriptModule(script: string): { href: string; local: string | null } {
  if (!SCHEMES.test(script)) {
    const path = resolve(script);
    return { href: toFileUrl(path).href, local: path };
  }
  if (!/^file:/i.test(script)) return { href: script, local: null };
  try {
    const url = new URL(script);
    return { href: url.href, local: fileURLToPath(url) };
  } catch {
    throw new Error(`script is not a valid file: URL: ${script}`);
  }
}

/**
 * V8 flags the launcher gives every job's process before the user's own
 * (which come later, so they win). V8 inlines at most 920 bytes of bytecode
 * into one compiled function; spmd's send and receive paths, inlined into a
 * program's loop, need more, and a program that also sends larger messages
 * filled the budget with their branches first. Measured through the public
 * API, 2 ranks with a shared cache, the point-to-point job of `deno task
 * compare` (every size, windows included): 8-byte one way 78.5–83.8 ns with
 * this budget against 86.9–114.5 without it, 8 runs each, alternating.
 */
export const JOB_V8_FLAGS: readonly string[] = ["--max-inlined-bytecode-size-cumulative=2760"];

/** The `--v8-flags=` argument for a job's process: {@linkcode JOB_V8_FLAGS}, then the user's. */
export function jobV8Flags(user: readonly string[]): string {
  return `--v8-flags=${[...JOB_V8_FLAGS, ...user].join(",")}`;
}
