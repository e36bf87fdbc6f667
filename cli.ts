/**
 * The launcher (spmd's `mpiexec`): runs a program as N ranks.
 *
 * ```sh
 * deno run -A cli.ts -n 4 app.ts a b      # 4 ranks; Deno.args is ["a", "b"] in each
 * deno run -A cli.ts -n 2 --timeout 60 --tag-output app.ts
 * deno run -A cli.ts -n 1 master.ts a : -n 3 worker.ts b   # MPMD: one world of 4 ranks
 * deno run -A https://example.com/spmd/cli.ts -n 2 https://example.com/app.ts
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

import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { resolve } from "./_path.ts";
import { RANK_ENTRY, startJob } from "./launcher/job.ts";
import { formatFailure } from "./launcher/report.ts";
import { writeTraceOutputs } from "./launcher/trace_out.ts";
import { type CliOptions, jobV8Flags, parseCli, scriptModule, USAGE } from "./launcher/_cli_args.ts";
import { loadMpi } from "./transport/mpi/lib.ts";
import { startedByMpi } from "./transport/mpi/detect.ts";
import denoJson from "./deno.json" with { type: "json" };

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
  const modules = opts.apps.map((a) => {
    try {
      const m = scriptModule(a.script);
      if (m.local !== null && !Deno.statSync(m.local).isFile) usageError(`script is not a file: ${a.script}`);
      return m.href;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) usageError(`script not found: ${a.script}`);
      if (e instanceof Deno.errors.PermissionDenied) throw e;
      usageError((e as Error).message);
    }
  });
  if (opts.outputFilename !== undefined) {
    try {
      if (!Deno.statSync(opts.outputFilename).isDirectory) {
        usageError(`--output-filename needs a directory, got "${opts.outputFilename}" (a file)`);
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  const statusFile = Deno.env.get(STATUS_ENV);
  if (opts.v8Flags.length > 0 && statusFile === undefined && (startedByMpi() || !canSupervise())) {
    console.error(
      `spmd: --v8-flags ${opts.v8Flags.join(",")} not applied: V8 flags are the process's, and ` +
        (startedByMpi()
          ? "this process was started by an MPI launcher: give them to deno (mpiexec ... deno run --v8-flags=...)"
          : "the launcher can re-run itself with them only with --allow-run and --allow-write " +
            "(deno run -A); or give them to deno: deno run --v8-flags=... cli.ts"),
    );
  }
  if (startedByMpi()) return await runUnderMpi(argv, opts, modules[0]);
  for (const [k, v] of Object.entries(opts.env)) Deno.env.set(k, v); // ranks are threads: they share this environment
  if (opts.ignored.length > 0 && Deno.env.get(STATUS_ENV) === undefined) {
    console.error(`spmd: ignored ${opts.ignored.join(" ")}: ranks are threads of one process, placed by the OS`);
  }
  if (statusFile === undefined && canSupervise()) return await supervise(argv, opts.v8Flags, modules);
  const job = startJob({
    apps: opts.apps.map((a, i) => ({ module: modules[i], size: a.np, args: a.args })),
    size: opts.np,
    timeout: opts.timeout,
    tagOutput: opts.tagOutput,
    timestampOutput: opts.timestampOutput,
    outputDir: opts.outputFilename === undefined ? undefined : resolve(opts.outputFilename),
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
      { program: opts.apps.map((a) => a.script).join(" : "), size: opts.np, failed: report || undefined },
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
async function runUnderMpi(argv: readonly string[], opts: CliOptions, module: string): Promise<void> {
  if (opts.apps.length > 1) {
    usageError("started by an MPI launcher: give MPMD app contexts (':') to mpiexec, one deno run per context");
  }
  const script = argv.indexOf(opts.script!);
  if (argv.slice(0, script).some((a) => a === "-n" || a === "--np" || a.startsWith("--np=") || /^-n\d/.test(a))) {
    usageError("started by an MPI launcher: the number of ranks is the launcher's (mpiexec -n N); drop -n");
  }
  Object.defineProperty(Deno, "args", { value: Object.freeze([...opts.args]), configurable: true });
  // A dynamic import on purpose: the module is the user's program, named on the command line and known only at run
  // time. `deno publish` warns that it cannot analyze it (unanalyzable-dynamic-import); .ci/package_check.ts allows
  // exactly this warning and the one in launcher/rank/_bootstrap.ts.
  await import(module);
}

/**
 * @ignore Internal: what `--version` prints: spmd's version and Deno's, then the MPI library
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
async function supervise(argv: readonly string[], v8Flags: string[], modules: string[]): Promise<never> {
  const config = projectConfig();
  await precache([RANK_ENTRY, ...modules], config);
  const statusFile = Deno.makeTempFileSync({ prefix: "spmd-status-" });
  // This launcher may have been loaded from a URL (deno run -A https://.../cli.ts): run the same again.
  const self = import.meta.url.startsWith("file:") ? fileURLToPath(import.meta.url) : import.meta.url;
  const flags = [...config, jobV8Flags(v8Flags)];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...flags, self, ...argv],
    env: { [STATUS_ENV]: statusFile },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const ignore = () => {}; // the child gets SIGINT too and stops the job itself
  let terminated = false;
  const forward = () => { // a SIGTERM (kill, a test's timeout) is for the whole job: the child must not outlive us
    terminated = true;
    try {
      child.kill("SIGTERM");
    } catch { /* already ended */ }
  };
  try {
    Deno.addSignalListener("SIGINT", ignore);
    Deno.addSignalListener("SIGTERM", forward);
  } catch { /* signals unsupported here */ }
  const st = await child.status;
  if (st.signal !== null && !terminated) {
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

/**
 * `["--config", path]` of the user's project when this launcher was loaded
 * from a URL (`jsr:`, `https:`, a `deno install`ed command), else `[]`.
 * Deno looks for a deno.json next to a local main module, but not for a
 * remote one, so the child that runs the job would not see the project's
 * import map ("@spmd/spmd" from `deno add`): the nearest deno.json or
 * deno.jsonc from the working directory up is passed explicitly.
 */
function projectConfig(): string[] {
  if (import.meta.url.startsWith("file:")) return [];
  let dir = Deno.cwd();
  for (;;) {
    for (const name of ["deno.json", "deno.jsonc"]) {
      const path = join(dir, name);
      try {
        if (Deno.statSync(path).isFile) return ["--config", path];
      } catch { /* not here */ }
    }
    const up = dirname(dir);
    if (up === dir) return [];
    dir = up;
  }
}

/**
 * Downloads the ranks' module graphs into Deno's cache before any rank
 * starts (`deno cache`). A worker that imports a remote module (http:,
 * jsr:, npm:, from its script or the launcher's own URL) may use an HTTP
 * connection that another worker opened, and that connection is served by
 * the other worker's thread — which, once its rank blocks in an spmd call,
 * never serves it: the import would hang. Cached modules are read from disk.
 * Errors are left for the job to report (the ranks fail to import).
 */
async function precache(modules: string[], config: string[]): Promise<void> {
  try {
    await new Deno.Command(Deno.execPath(), {
      args: ["cache", "--allow-import", ...config, ...modules],
      stdout: "null",
      stderr: "inherit",
    })
      .output();
  } catch { /* the job reports what cannot be loaded */ }
}

function indent(text: string): string {
  return text.split("\n").map((l) => `  ${l}`).join("\n");
}

function signalNumber(sig: Deno.Signal): number {
  const n: Record<string, number> = { SIGTRAP: 5, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15, SIGINT: 2 };
  return n[sig] ?? 1;
}

if (import.meta.main) await main(Deno.args);
