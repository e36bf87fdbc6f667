/**
 * Starting and supervising a job: one Web Worker per rank on one shared
 * memory block; the first failure stops every rank.
 *
 * Stopping cannot rely on `Worker.terminate()`: Deno does not interrupt a
 * worker blocked in `Atomics.wait` or in a busy loop. So a failure sets the
 * job's abort word and rings every doorbell (every wait checks the word and
 * throws `AbortedError`), the launcher gives the ranks a short grace period
 * to report, then terminates the workers; the command-line launcher ends
 * with `Deno.exit`, which also ends ranks stuck in a busy loop.
 *
 * @module
 */

import { createTraceBuffer, type RankTrace, readTrace, TRACE_RECORDS_DEFAULT } from "../transport/trace.ts";
import { ACT_DONE, ACT_EXITED, ACT_IN_CALL, snapshot } from "../transport/activity.ts";
import {
  activityBase,
  createShm,
  H_ENDED,
  layoutFor,
  MAX_RANKS,
  raiseAbort,
  ringBytesFor,
} from "../transport/shm_layout.ts";
import { describe } from "../errors.ts";
import { createHeaps, HEAP_BYTES_DEFAULT, HEAP_BYTES_MAX, HEAP_BYTES_MIN, isHeapBytes } from "../transport/heap.ts";
import type { IdleQuery, InitMessage, RankMessage } from "./_protocol.ts";
import { ShmTransport } from "../transport/shm_transport.ts";
import { DeadlockMonitor, MONITOR_MS } from "./monitor.ts";
import { deadlockMessage, describeActivity, mismatchedCollectives, unreceivedInRings } from "./report.ts";
import type { JobFailure, JobResult, RankEnd } from "./result.ts";

/** One MPMD app context of {@linkcode JobOptions.apps}: `size` ranks running `module` with `args`. */
export interface JobApp {
  /** URL (or URL string, or `jsr:`/`npm:` specifier) of the program these ranks run. */
  module: string | URL;
  /** Number of ranks that run it. */
  size: number;
  /** `Deno.args` of these ranks (default none). */
  args?: string[];
}

/** Options of {@linkcode startJob}. */
export interface JobOptions {
  /** URL (or absolute file URL string) of the program every rank runs; give this or `apps`. */
  module?: string | URL;
  /** Number of ranks (with `apps`: the sum of their sizes). */
  size: number;
  /** `Deno.args` of every rank (with `module`). */
  args?: string[];
  /**
   * MPMD: app contexts in rank order, instead of `module` and `args` (as
   * `mpiexec -n 1 master : -n 3 worker`); their sizes add up to `size`.
   */
  apps?: JobApp[];
  /** Seconds before the job is stopped with exit code 124 (default: none). */
  timeout?: number;
  /** Prefix every output line with the rank, as Open MPI's `--tag-output`. */
  tagOutput?: boolean;
  /** Prefix every output line with the time it was written, as Open MPI's `--timestamp-output`. */
  timestampOutput?: boolean;
  /** Write rank N's output to `outputDir/1/rank.N/stdout` and `stderr`, as Open MPI's `--output-filename`. */
  outputDir?: string;
  /** Polls before a wait sleeps (default: chosen from cores and ranks). */
  spin?: number;
  /** Bound of each rank's unexpected-message queue in bytes (default 1 GiB). */
  unexpectedBytes?: number;
  /** Limit of each rank's heap (`comm.alloc`) in bytes (default 1 GiB; address space, used as written). */
  heapBytes?: number;
  /** Called by the monitor with one line per rank whenever what the ranks do changes. */
  onActivity?: (lines: string[]) => void;
  /** Record a trace (transport/trace.ts): every rank gets a buffer of this many records (true: the default). */
  trace?: boolean | number;
  /** Largest ring size in bytes (default 1 MiB; shrinks with many ranks). */
  maxRingBytes?: number;
  /**
   * Run rank 0 on the calling thread instead of a worker: the job's
   * `host` is then rank 0's transport (the benchmarks make it a communicator).
   */
  host?: boolean;
}

/** Milliseconds the ranks get to report after a stop before they are terminated. */
export const GRACE_MS = 400;
/** The entry module of every rank's worker. */
export const RANK_ENTRY: string = new URL("./rank/_bootstrap.ts", import.meta.url).href;

/** A running job. */
export interface Job {
  /** Resolves when every rank has ended (or the job was stopped). Never rejects. */
  readonly done: Promise<JobResult>;
  /** The job's shared memory. */
  readonly sab: SharedArrayBuffer;
  /** Stops the job with an exit code (as a timeout or Ctrl-C would). */
  stop(code: number, reason: string): void;
  /** Rank 0's transport when started with `host: true`, else null. */
  readonly host: ShmTransport | null;
  /** What each rank has recorded so far (empty unless started with `trace`); readable at any time. */
  traces(): RankTrace[];
}

/** Checks job options; throws a RangeError or TypeError naming the bad value. */
export function checkJobOptions(call: string, o: JobOptions): void {
  if (!Number.isInteger(o.size) || o.size < 1 || o.size > MAX_RANKS) {
    throw new RangeError(
      `${call}: size must be an integer in 1..${MAX_RANKS}, got ${describe(o.size)}`,
    );
  }
  if (
    o.args !== undefined &&
    (!Array.isArray(o.args) || o.args.some((a) => typeof a !== "string"))
  ) {
    throw new TypeError(`${call}: args must be an array of strings, got ${describe(o.args)}`);
  }
  if ((o.module === undefined) === (o.apps === undefined)) {
    throw new TypeError(
      `${call}: give module or apps (one of them), got ${o.module === undefined ? "neither" : "both"}`,
    );
  }
  if (o.apps !== undefined) checkApps(call, o.apps, o.size);
  if (o.outputDir !== undefined && (typeof o.outputDir !== "string" || o.outputDir === "")) {
    throw new TypeError(`${call}: outputDir must be a directory path, got ${describe(o.outputDir)}`);
  }
  if (
    o.timeout !== undefined && !(typeof o.timeout === "number" && o.timeout > 0)
  ) {
    throw new RangeError(
      `${call}: timeout must be a positive number of seconds, got ${describe(o.timeout)}`,
    );
  }
  if (o.heapBytes !== undefined && !isHeapBytes(o.heapBytes)) {
    throw new RangeError(
      `${call}: heapBytes must be an integer number of bytes in ${HEAP_BYTES_MIN}..${HEAP_BYTES_MAX}, ` +
        `got ${describe(o.heapBytes)}`,
    );
  }
}

function checkApps(call: string, apps: JobApp[], size: number): void {
  if (!Array.isArray(apps) || apps.length === 0) {
    throw new TypeError(`${call}: apps must be a non-empty array of { module, size, args }, got ${describe(apps)}`);
  }
  let sum = 0;
  apps.forEach((a, i) => {
    if (a === null || typeof a !== "object" || !(typeof a.module === "string" || a.module instanceof URL)) {
      throw new TypeError(`${call}: apps[${i}].module must be a URL or string, got ${describe(a?.module)}`);
    }
    if (!Number.isInteger(a.size) || a.size < 1) {
      throw new RangeError(`${call}: apps[${i}].size must be a positive integer, got ${describe(a.size)}`);
    }
    if (a.args !== undefined && (!Array.isArray(a.args) || a.args.some((x) => typeof x !== "string"))) {
      throw new TypeError(`${call}: apps[${i}].args must be an array of strings, got ${describe(a.args)}`);
    }
    sum += a.size;
  });
  if (sum !== size) throw new RangeError(`${call}: apps' sizes add up to ${sum}, but size is ${size}`);
}

/** Milliseconds between "is your event loop idle?" questions to a rank whose module returned, at most. */
const IDLE_POLL_MS = 20;

/** Starts `size` ranks of a program; `call` names the public call in option errors. */
export function startJob(options: JobOptions, call = "startJob"): Job {
  checkJobOptions(call, options);
  const size = options.size;
  const layout = layoutFor(size, ringBytesFor(size, options.maxRingBytes));
  const sab = createShm(layout);
  const heaps = createHeaps(size, options.heapBytes ?? HEAP_BYTES_DEFAULT);
  const epoch = performance.timeOrigin + performance.now();
  const records = options.trace === true ? TRACE_RECORDS_DEFAULT : options.trace || 0;
  const traceBufs = records > 0 ? Array.from({ length: size }, () => createTraceBuffer(records, epoch)) : [];
  const words = new Int32Array(sab, 0, layout.ctlWords);
  const href = (m: string | URL) => m instanceof URL ? m.href : m;
  /** Each rank's module and Deno.args. */
  const programs: { module: string; args: string[] }[] = [];
  for (const a of options.apps ?? [{ module: options.module!, size, args: options.args }]) {
    for (let k = 0; k < a.size; k++) programs.push({ module: href(a.module), args: a.args ?? [] });
  }
  const ends: RankEnd[] = new Array(size).fill("running");
  /** Ranks whose module's top level returned (they run on while their event loop has work). */
  const returned: boolean[] = new Array(size).fill(false);
  /** Delay of the next idle question to each rank whose module returned. */
  const idleDelay: number[] = new Array(size).fill(0);
  const workers: Worker[] = [];
  let failure: JobFailure | null = null;
  let failCode = 1;
  let activity: string[] = [];
  let remaining = size;
  let resolve!: (r: JobResult) => void;
  const done = new Promise<JobResult>((r) => resolve = r);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  let finished = false;

  function finish(): void {
    if (finished) return;
    finished = true;
    clearInterval(monitor);
    Atomics.store(words, H_ENDED, 1);
    clearTimeout(timer);
    clearTimeout(graceTimer);
    for (const w of workers) w.terminate();
    if (failure === null) {
      const lost = unreceivedInRings(sab, layout);
      if (lost !== "") {
        failure = { rank: -1, kind: "unreceived", message: lost, stack: "" };
        failCode = 1;
      }
    }
    resolve({ ok: failure === null, code: failure === null ? 0 : failCode, failure, ends, activity });
  }

  /** How an ended rank ended, for reports (a finished rank's block says whether it called Deno.exit(0)). */
  function endText(r: number): string {
    return ends[r] === "done" ? describeActivity(words, layout, r) : `ended (${ends[r]})`;
  }

  function stopAll(f: JobFailure, code: number): void {
    if (failure !== null || finished) return;
    failure = f;
    // An exit status is a byte: a code that is a multiple of 256 must not read as success.
    failCode = code === 0 ? 0 : (code & 255) || 1;
    activity = [];
    for (let r = 0; r < size; r++) {
      if (r === f.rank || (options.host && r === 0)) continue;
      // Ranks woken by this stop ("aborted") still show the call they were in.
      if (ends[r] !== "running" && ends[r] !== "aborted") {
        activity.push(`rank ${r}: ${endText(r)}`);
        continue;
      }
      const st = snapshot(words, activityBase(layout, r)).state;
      if (returned[r] && st !== ACT_IN_CALL && st !== ACT_DONE && st !== ACT_EXITED) {
        activity.push(`rank ${r}: its module returned; its event loop still has work (a timer, an interval or I/O)`);
      } else activity.push(`rank ${r}: ${describeActivity(words, layout, r)}`);
    }
    raiseAbort(sab, code, f.rank);
    graceTimer = setTimeout(finish, GRACE_MS);
  }

  function onMessage(m: RankMessage): void {
    const r = m.rank;
    if (m.t === "returned" || m.t === "busy") {
      if (ends[r] !== "running" || finished) return;
      returned[r] = true;
      // Ask again, soon after the module returned, less often while it stays busy.
      const delay = m.t === "returned" ? 0 : idleDelay[r];
      idleDelay[r] = Math.min(IDLE_POLL_MS, Math.max(1, idleDelay[r] * 2));
      setTimeout(() => {
        if (!finished && ends[r] === "running") {
          workers[options.host ? r - 1 : r].postMessage({ t: "idle?" } as IdleQuery);
        }
      }, delay);
      return;
    }
    if (ends[r] === "done" && (m.t === "error" || m.t === "exit")) {
      // A failure after the rank finished (a late timer): still a failure.
      const after = "(after its program had finished) ";
      if (m.t === "error") stopAll({ rank: r, kind: "error", message: after + m.message, stack: m.stack }, 1);
      else stopAll({ rank: r, kind: "exit", message: `${after}called Deno.exit(${m.code})`, stack: "" }, m.code);
      return;
    }
    if (ends[r] !== "running") return;
    ends[r] = m.t;
    remaining--;
    switch (m.t) {
      case "error":
        stopAll({
          rank: m.rank,
          kind: "error",
          message: m.message,
          stack: m.stack,
        }, 1);
        break;
      case "abort":
        stopAll(
          { rank: m.rank, kind: "abort", message: m.message, stack: "" },
          m.code,
        );
        break;
      case "exit":
        stopAll(
          {
            rank: m.rank,
            kind: "exit",
            message: `called Deno.exit(${m.code}) before the job ended`,
            stack: "",
          },
          m.code,
        );
        break;
    }
    if (remaining === 0) finish();
  }

  let host: ShmTransport | null = null;
  if (options.host) {
    host = new ShmTransport({ sab, heaps, rank: 0, spin: options.spin, trace: traceBufs[0] });
    ends[0] = "done";
    remaining--;
  }
  for (let r = options.host ? 1 : 0; r < size; r++) {
    const w = new Worker(RANK_ENTRY, { type: "module", name: `rank ${r}` });
    w.onmessage = (e: MessageEvent<RankMessage>) => onMessage(e.data);
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      onMessage({ t: "error", rank: r, message: e.message, stack: e.message });
    };
    w.onmessageerror = () =>
      onMessage({
        t: "error",
        rank: r,
        message: "unreadable message",
        stack: "",
      });
    const init: InitMessage = {
      t: "init",
      sab,
      heaps,
      rank: r,
      module: programs[r].module,
      args: programs[r].args,
      tagOutput: options.tagOutput ?? false,
      timestampOutput: options.timestampOutput ?? false,
      outputDir: options.outputDir,
      spin: options.spin,
      unexpectedBytes: options.unexpectedBytes,
      trace: traceBufs[r],
    };
    w.postMessage(init);
    workers.push(w);
  }
  const deadlocks = new DeadlockMonitor(words, layout, heaps);
  const live = (r: number) => ends[r] === "running" || (options.host === true && r === 0);
  let lastActivity = "";
  const monitor = setInterval(() => {
    if (failure !== null || finished) return;
    if (options.onActivity) {
      const lines = [];
      for (let r = 0; r < size; r++) {
        lines.push(`rank ${r}: ${ends[r] === "running" ? describeActivity(words, layout, r) : ends[r]}`);
      }
      const text = lines.join("\n");
      if (text !== lastActivity) options.onActivity(lines);
      lastActivity = text;
    }
    if (!deadlocks.sample(live)) return;
    const mismatch = mismatchedCollectives(words, layout, size, (r) => ends[r] === "running");
    const gone = ends.filter((e) => e !== "running").length - (options.host ? 1 : 0);
    stopAll({
      rank: -1,
      kind: "deadlock",
      message: deadlockMessage(heaps, gone, mismatch),
      stack: "",
    }, 1);
  }, MONITOR_MS);
  Deno.unrefTimer(monitor);

  if (options.timeout !== undefined) {
    timer = setTimeout(() => {
      stopAll({
        rank: -1,
        kind: "timeout",
        message: `job timed out after ${options.timeout} s`,
        stack: "",
      }, 124);
    }, options.timeout * 1000);
  }

  return {
    done,
    sab,
    host,
    traces: () => traceBufs.map((b, r) => readTrace(b, r)),
    stop(code: number, reason: string): void {
      stopAll({ rank: -1, kind: "stopped", message: reason, stack: "" }, code);
    },
  };
}
