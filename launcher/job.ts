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

import { ANY_SOURCE, ANY_TAG } from "../constants.ts";
import {
  A_CALL,
  A_CONTEXT,
  A_EPOCH,
  A_PEER,
  A_RECEIVED,
  A_SENT,
  A_STATE,
  A_TAG,
  A_WAITING,
  A_WAITS,
  ACT_BLOCKED,
  ACT_DONE,
  ACT_EXITED,
  ACT_STARTING,
  createShm,
  H_ENDED,
  layoutFor,
  MAX_RANKS,
  raiseAbort,
  RANK_STRIDE,
  RING_CTL_STRIDE,
  RING_TAIL,
  ringBytesFor,
  type ShmLayout,
} from "../transport/shm_layout.ts";
import { callName, commId, isCollectiveContext } from "../transport/calls.ts";
import { unreadFrames } from "../transport/ring.ts";
import { describe } from "../errors.ts";
import type { IdleQuery, InitMessage, RankMessage } from "./_protocol.ts";
import { Comm } from "../comm.ts";
import { ShmTransport } from "../transport/shm_transport.ts";

/** Options of {@linkcode startJob}. */
export interface JobOptions {
  /** URL (or absolute file URL string) of the program every rank runs. */
  module: string | URL;
  /** Number of ranks. */
  size: number;
  /** `Deno.args` of every rank. */
  args?: string[];
  /** Seconds before the job is stopped with exit code 124 (default: none). */
  timeout?: number;
  /** Prefix every output line with the rank, as Open MPI's `--tag-output`. */
  tagOutput?: boolean;
  /** Polls before a wait sleeps (default: chosen from cores and ranks). */
  spin?: number;
  /** Bound of each rank's unexpected-message queue in bytes (default 1 GiB). */
  unexpectedBytes?: number;
  /** Called by the monitor with one line per rank whenever what the ranks do changes. */
  onActivity?: (lines: string[]) => void;
  /** Largest ring size in bytes (default 1 MiB; shrinks with many ranks). */
  maxRingBytes?: number;
  /**
   * Run rank 0 on the calling thread instead of a worker: the job's
   * `host` is then rank 0's world communicator (used by the benchmarks).
   */
  host?: boolean;
}

/** How one rank ended. */
export type RankEnd =
  | "done"
  | "error"
  | "abort"
  | "aborted"
  | "exit"
  | "running";

/** The first failure of a job. */
export interface JobFailure {
  /** The rank that failed, or -1 for a timeout. */
  rank: number;
  /** What happened. */
  kind: "error" | "abort" | "exit" | "timeout" | "stopped" | "deadlock" | "unreceived";
  /** The error message (or a description). */
  message: string;
  /** The stack, when there is one. */
  stack: string;
}

/** The outcome of a job. */
export interface JobResult {
  /** True when every rank returned. */
  ok: boolean;
  /** Exit code for a launcher: 0, the abort code (as given, even 0), the `Deno.exit` code, 124 for a timeout, else 1. */
  code: number;
  /** The first failure, when not ok. */
  failure: JobFailure | null;
  /** How each rank ended. */
  ends: RankEnd[];
  /** One line per other rank: what it was doing when the job was stopped. */
  activity: string[];
}

/** Milliseconds the ranks get to report after a stop before they are terminated. */
export const GRACE_MS = 400;
/** Period of the deadlock monitor; a deadlock is declared after 3 identical samples. */
export const MONITOR_MS = 150;

const BOOTSTRAP = new URL("./_bootstrap.ts", import.meta.url).href;

/** A running job. */
export interface Job {
  /** Resolves when every rank has ended (or the job was stopped). Never rejects. */
  readonly done: Promise<JobResult>;
  /** The job's shared memory. */
  readonly sab: SharedArrayBuffer;
  /** Stops the job with an exit code (as a timeout or Ctrl-C would). */
  stop(code: number, reason: string): void;
  /** Rank 0's world communicator when started with `host: true`, else null. */
  readonly host: Comm | null;
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
  if (
    o.timeout !== undefined && !(typeof o.timeout === "number" && o.timeout > 0)
  ) {
    throw new RangeError(
      `${call}: timeout must be a positive number of seconds, got ${describe(o.timeout)}`,
    );
  }
}

/** Describes what rank `r` is doing, from its activity words. */
export function describeActivity(
  words: Int32Array,
  layout: ShmLayout,
  r: number,
): string {
  const a = layout.activityWord + r * RANK_STRIDE;
  const state = Atomics.load(words, a + A_STATE);
  if (state === ACT_DONE) return "finished";
  if (state === ACT_EXITED) return EXITED_TEXT;
  if (state === ACT_STARTING) return "starting";
  if (state !== ACT_BLOCKED) return "running user code (not in an spmd call)";
  const call = callName(Atomics.load(words, a + A_CALL));
  const peer = Atomics.load(words, a + A_PEER);
  const tag = Atomics.load(words, a + A_TAG);
  const ctx = Atomics.load(words, a + A_CONTEXT);
  if (call === "finalize") return "finishing its sends (finalize)";
  const wait = WAIT_CALLS[call];
  if (wait !== undefined) {
    const [outer, inner, who] = wait;
    const peerText = peer === ANY_SOURCE ? "ANY_SOURCE" : String(peer);
    const tagText = tag === ANY_TAG ? "ANY_TAG" : String(tag);
    return `blocked in ${outer}() for ${inner}(${who}=${peerText}, tag=${tagText}, comm=${commId(ctx)})`;
  }
  const who = call === "send" ? "dest" : (call === "recv" || call === "recvInto" || call === "probe" ||
      call === "sendrecv")
    ? "source"
    : "root";
  const peerText = peer === ANY_SOURCE ? "ANY_SOURCE" : String(peer);
  const tagText = tag === ANY_TAG ? "ANY_TAG" : String(tag);
  const parts = who === "root" ? (peer >= 0 ? [`root=${peer}`] : []) : [`${who}=${peerText}`, `tag=${tagText}`];
  parts.push(`comm=${commId(ctx)}`);
  return `blocked in ${call}(${parts.join(", ")})`;
}

/** How a report describes a rank that ended with `Deno.exit(0)`. */
const EXITED_TEXT = "called Deno.exit(0) and ended while other ranks still ran";

/** Wait call names: [public call, request kind, peer word meaning]. */
const WAIT_CALLS: Record<string, [string, string, string]> = {
  wait: ["wait", "irecv", "source"],
  waitSend: ["wait", "isend", "dest"],
  waitAll: ["waitAll", "irecv", "source"],
  waitAllSend: ["waitAll", "isend", "dest"],
};

/** Milliseconds between "is your event loop idle?" questions to a rank whose module returned, at most. */
const IDLE_POLL_MS = 20;

/** Starts `size` ranks of a program. */
export function startJob(options: JobOptions): Job {
  checkJobOptions("startJob", options);
  const size = options.size;
  const layout = layoutFor(size, ringBytesFor(size, options.maxRingBytes));
  const sab = createShm(layout);
  const words = new Int32Array(sab, 0, layout.ringDataByte >> 2);
  const module = options.module instanceof URL ? options.module.href : options.module;
  const ends: RankEnd[] = new Array(size).fill("running");
  /** Ranks that ended with Deno.exit(0). */
  const exited: boolean[] = new Array(size).fill(false);
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
      const lost = unreceived();
      if (lost !== "") {
        failure = { rank: -1, kind: "unreceived", message: lost, stack: "" };
        failCode = 1;
      }
    }
    resolve({ ok: failure === null, code: failure === null ? 0 : failCode, failure, ends, activity });
  }

  /** Messages still in a ring once every rank has ended: sent after their receiver finished. */
  function unreceived(): string {
    const lines: string[] = [];
    let n = 0;
    for (let src = 0; src < size; src++) {
      for (let dst = 0; dst < size; dst++) {
        if (src === dst) continue;
        for (const f of unreadFrames(sab, layout, src, dst)) {
          if (++n <= 8) {
            lines.push(
              `  rank ${src} → rank ${dst}: tag ${f.tag}, ${f.length} bytes, comm ${commId(f.context)}` +
                (isCollectiveContext(f.context) ? " (a collective's message)" : "") +
                (f.whole ? "" : " (partly transferred)"),
            );
          }
        }
      }
    }
    if (n === 0) return "";
    if (n > 8) lines.push(`  ... and ${n - 8} more`);
    return `${n} message(s) were sent and never received (still in shared memory when the job ended):\n${
      lines.join("\n")
    }`;
  }

  /** How an ended rank ended, for reports. */
  function endText(r: number): string {
    if (exited[r]) return EXITED_TEXT;
    return ends[r] === "done" ? "finished" : `ended (${ends[r]})`;
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
      const st = Atomics.load(words, layout.activityWord + r * RANK_STRIDE + A_STATE);
      if (returned[r] && st !== ACT_BLOCKED && st !== ACT_DONE && st !== ACT_EXITED) {
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
      const ask = setTimeout(() => {
        if (!finished && ends[r] === "running") {
          workers[options.host ? r - 1 : r].postMessage({ t: "idle?" } as IdleQuery);
        }
      }, delay);
      void ask;
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
      case "done":
        if (m.exit) exited[r] = true;
        break;
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

  let host: Comm | null = null;
  if (options.host) {
    const t = new ShmTransport({ sab, rank: 0, spin: options.spin });
    host = new Comm({ transport: t, context: 0 });
    ends[0] = "done";
    remaining--;
  }
  for (let r = options.host ? 1 : 0; r < size; r++) {
    const w = new Worker(BOOTSTRAP, { type: "module", name: `rank ${r}` });
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
      rank: r,
      module,
      args: options.args ?? [],
      tagOutput: options.tagOutput ?? false,
      spin: options.spin,
      unexpectedBytes: options.unexpectedBytes,
    };
    w.postMessage(init);
    workers.push(w);
  }
  // Deadlock monitor: every rank still running is blocked in an spmd call,
  // and nothing moves (no call entered or left, no message sent or
  // received, no byte through any ring) over three samples.
  let lastPrint = "";
  let stable = 0;
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
    let print = "";
    let live = 0;
    for (let r = 0; r < size; r++) {
      if (ends[r] !== "running" && !(options.host && r === 0)) continue;
      live++;
      const a = layout.activityWord + r * RANK_STRIDE;
      // Stuck means idle in a wait loop inside an spmd call; local work inside
      // a call (a user op, serializing a large value) is not waiting.
      if (Atomics.load(words, a + A_STATE) !== ACT_BLOCKED || Atomics.load(words, a + A_WAITING) !== 1) {
        stable = 0;
        lastPrint = "";
        return;
      }
      print += `${r}:${words[a + A_EPOCH]}:${words[a + A_WAITS]}:${words[a + A_SENT]}:${words[a + A_RECEIVED]} `;
    }
    if (live === 0) return;
    let moved = 0;
    for (let i = 0; i < size * (size - 1); i++) {
      const w = layout.ringCtlWord + i * RING_CTL_STRIDE;
      moved = (moved + Atomics.load(words, w) + Atomics.load(words, w + RING_TAIL)) | 0;
    }
    print += moved;
    if (print !== lastPrint) {
      lastPrint = print;
      stable = 0;
      return;
    }
    if (++stable < 2) return;
    const mismatch = mismatchedCollectives(words, layout, size, (r) => ends[r] === "running");
    const gone = ends.filter((e) => e !== "running").length - (options.host ? 1 : 0);
    stopAll({
      rank: -1,
      kind: "deadlock",
      message: "deadlock: every rank still running is blocked in an spmd call and no message is in flight" +
        (gone > 0 ? ` (${gone} rank(s) have already ended)` : "") +
        (mismatch ? `\n${mismatch}` : ""),
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
    stop(code: number, reason: string): void {
      stopAll({ rank: -1, kind: "stopped", message: reason, stack: "" }, code);
    },
  };
}

/** Formats a failed job's report: the failure, then what each other rank was doing. */
export function formatFailure(result: JobResult): string {
  const f = result.failure;
  if (f === null) return "";
  const lines: string[] = [];
  if (f.rank >= 0) {
    const body = f.stack && f.stack.includes(f.message) ? f.stack : (f.stack ? `${f.message}\n${f.stack}` : f.message);
    lines.push(`rank ${f.rank}: ${body}`);
  } else {
    lines.push(`spmd: ${f.message}`);
  }
  if (result.activity.length > 0) {
    lines.push(
      f.kind === "timeout"
        ? "ranks still running:"
        : f.kind === "deadlock"
        ? "waits:"
        : "other ranks when the job was stopped:",
    );
    for (const a of result.activity) lines.push(`  ${a}`);
  }
  return lines.join("\n");
}

/**
 * When ranks blocked on one communicator's collective context are in
 * different collectives or have different roots, says so; else "".
 */
export function mismatchedCollectives(
  words: Int32Array,
  layout: ShmLayout,
  size: number,
  live: (r: number) => boolean,
): string {
  const byComm = new Map<number, string[]>();
  const seen = new Map<number, string>();
  const out: string[] = [];
  for (let r = 0; r < size; r++) {
    if (!live(r)) continue;
    const a = layout.activityWord + r * RANK_STRIDE;
    const ctx = Atomics.load(words, a + A_CONTEXT);
    // Only collective contexts (odd, ≥ 1): waits and finalize record −1.
    if (Atomics.load(words, a + A_STATE) !== ACT_BLOCKED || !isCollectiveContext(ctx)) continue;
    const call = callName(Atomics.load(words, a + A_CALL));
    const root = Atomics.load(words, a + A_PEER);
    const what = root >= 0 ? `${call}(root=${root})` : `${call}()`;
    const list = byComm.get(ctx) ?? [];
    list.push(`rank ${r} in ${what}`);
    byComm.set(ctx, list);
    const first = seen.get(ctx);
    if (first === undefined) seen.set(ctx, what);
    else if (first !== what) seen.set(ctx, "\u0000mismatch");
  }
  for (const [ctx, what] of seen) {
    if (what === "\u0000mismatch") {
      out.push(`mismatched collectives on comm ${commId(ctx)}: ${byComm.get(ctx)!.join(", ")}`);
    }
  }
  return out.join("\n");
}
