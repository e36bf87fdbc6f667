/**
 * The words of a failure report: what a rank is doing (from its activity
 * block), collectives that do not match, messages left in the rings, and
 * the whole report as the launcher prints it.
 *
 * @module
 */

import { ANY_SOURCE, ANY_TAG } from "../constants.ts";
import { ACT_DONE, ACT_EXITED, ACT_IN_CALL, ACT_STARTING, snapshot } from "../transport/activity.ts";
import { callName, collectiveTagName, commId, isCollectiveContext } from "../transport/calls.ts";
import type { Leftover } from "../transport/transport.ts";
import { unclaimed } from "../transport/rendezvous.ts";
import { unreadFrames } from "../transport/unread.ts";
import { activityBase, type ShmLayout } from "../transport/shm_layout.ts";
import type { JobResult } from "./result.ts";
import { SpmdError } from "../errors.ts";

/** How a report describes a rank that ended with `Deno.exit(0)`. */
const EXITED_TEXT = "called Deno.exit(0) and ended while other ranks still ran";

/** Wait call names: [public call, request kind, peer word meaning]. */
const WAIT_CALLS: Record<string, [string, string, string]> = {
  wait: ["wait", "irecv", "source"],
  waitSend: ["wait", "isend", "dest"],
  waitAll: ["waitAll", "irecv", "source"],
  waitAllSend: ["waitAll", "isend", "dest"],
};

/** Calls whose peer word is a source. */
const FROM_SOURCE = new Set(["recv", "recvInto", "probe", "sendrecv", "mprobe", "sendrecvReplace"]);

function rankText(peer: number): string {
  return peer === ANY_SOURCE ? "ANY_SOURCE" : String(peer);
}

function tagText(tag: number): string {
  return tag === ANY_TAG ? "ANY_TAG" : String(tag);
}

/** Describes what rank `r` is doing, from its activity block. */
export function describeActivity(words: Int32Array, layout: ShmLayout, r: number): string {
  const a = snapshot(words, activityBase(layout, r));
  if (a.state === ACT_DONE) return "finished";
  if (a.state === ACT_EXITED) return EXITED_TEXT;
  if (a.state === ACT_STARTING) return "starting";
  if (a.state !== ACT_IN_CALL) return "running user code (not in an spmd call)";
  const call = callName(a.call);
  if (call === "finalize") return "finishing its sends (finalize)";
  if (call === "lock") return `blocked in a shared window's lock of world rank ${a.peer} (lock, lockAll or accumulate)`;
  const wait = WAIT_CALLS[call];
  if (wait !== undefined && isCollectiveContext(a.context)) {
    return `blocked in ${wait[0]}() for a nonblocking collective (${a.peer >= 0 ? `root=${a.peer}, ` : ""}comm=${
      commId(a.context)
    })`;
  }
  if (wait !== undefined) {
    const [outer, inner, who] = wait;
    return `blocked in ${outer}() for ${inner}(${who}=${rankText(a.peer)}, tag=${tagText(a.tag)}, comm=${
      commId(a.context)
    })`;
  }
  const parts = call === "send" || call === "ssend"
    ? [`dest=${rankText(a.peer)}`, `tag=${tagText(a.tag)}`]
    : FROM_SOURCE.has(call)
    ? [`source=${rankText(a.peer)}`, `tag=${tagText(a.tag)}`]
    : a.peer >= 0
    ? [`root=${a.peer}`]
    : [];
  parts.push(`comm=${commId(a.context)}`);
  return `blocked in ${call}(${parts.join(", ")})`;
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
    const a = snapshot(words, activityBase(layout, r));
    // Only collective contexts (odd, ≥ 1): waits and finalize record −1.
    if (a.state !== ACT_IN_CALL || !isCollectiveContext(a.context)) continue;
    const call = callName(a.call);
    const what = a.peer >= 0 ? `${call}(root=${a.peer})` : `${call}()`;
    const list = byComm.get(a.context) ?? [];
    list.push(`rank ${r} in ${what}`);
    byComm.set(a.context, list);
    const first = seen.get(a.context);
    if (first === undefined) seen.set(a.context, what);
    else if (first !== what) seen.set(a.context, "\u0000mismatch");
  }
  for (const [ctx, what] of seen) {
    if (what === "\u0000mismatch") {
      out.push(`mismatched collectives on comm ${commId(ctx)}: ${byComm.get(ctx)!.join(", ")}`);
    }
  }
  return out.join("\n");
}

/** How many unreceived messages a report lists before it summarises. */
const LIST_MAX = 8;

/** One line of an unreceived-message report: a message never received, or a receive never completed. */
function leftoverLine(m: Leftover): string {
  if (m.bytes < 0) {
    return `rank ${m.dest}: irecv(source=${rankText(m.source)}, tag=${tagText(m.tag)}, comm ${
      commId(m.context)
    }) was started and never completed`;
  }
  const what = isCollectiveContext(m.context)
    ? `a ${collectiveTagName(m.tag)} message of a collective`
    : `tag ${m.tag}`;
  return `rank ${m.source} → rank ${m.dest}: ${what}, ${m.bytes} bytes, comm ${commId(m.context)}` +
    (m.whole ? "" : " (partly transferred)");
}

/** The lines of an unreceived-message report, indented, at most LIST_MAX of them and a count of the rest. */
export function leftoverLines(left: readonly Leftover[]): string[] {
  const lines = left.slice(0, LIST_MAX).map((m) => `  ${leftoverLine(m)}`);
  if (left.length > LIST_MAX) lines.push(`  ... and ${left.length - LIST_MAX} more`);
  return lines;
}

/** Messages still in the rings once every rank has ended (sent after their receiver finished), or "". */
export function unreceivedInRings(sab: SharedArrayBuffer, layout: ShmLayout): string {
  const left: Leftover[] = [];
  for (let source = 0; source < layout.size; source++) {
    for (let dest = 0; dest < layout.size; dest++) {
      if (source === dest) continue;
      for (const f of unreadFrames(sab, layout, source, dest)) {
        left.push({ source, dest, tag: f.tag, context: f.context, bytes: f.length, whole: f.whole });
      }
    }
  }
  if (left.length === 0) return "";
  return `${left.length} message(s) were sent and never received (still in shared memory when the job ended):\n${
    leftoverLines(left).join("\n")
  }`;
}

/**
 * The message of a deadlock: `gone` ranks have ended, `mismatch` is from
 * {@linkcode mismatchedCollectives}. Rendezvous messages not yet claimed by
 * their receivers (in the ranks' `heaps`) are in flight, and listed.
 */
export function deadlockMessage(heaps: readonly SharedArrayBuffer[], gone: number, mismatch: string): string {
  const waiting = unclaimed(heaps);
  const ended = gone > 0 ? ` (${gone} rank(s) have already ended)` : "";
  const head = waiting.length === 0
    ? `deadlock: every rank still running is blocked in an spmd call and no message is in flight${ended}`
    : `deadlock: every rank still running is blocked in an spmd call and nothing moves${ended}; ` +
      `${waiting.length} message(s) in flight wait for a matching receive:\n${leftoverLines(waiting).join("\n")}`;
  return head + (mismatch ? `\n${mismatch}` : "");
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
 * The error a rank's finalize raises when `left` is not empty: messages sent
 * and never received, receives never completed, each named; collective
 * messages among them mean mismatched collectives. Null when nothing was left.
 */
export function leftoverError(left: readonly Leftover[]): SpmdError | null {
  if (left.length === 0) return null;
  const lines = leftoverLines(left);
  const collective = left.some((m) => isCollectiveContext(m.context));
  const pending = left.filter((m) => m.bytes < 0).length;
  const what = pending === left.length
    ? `${left.length} receive(s) were started and never completed`
    : `${left.length - pending} message(s) were sent and never received` +
      (pending > 0 ? ` and ${pending} receive(s) never completed` : "");
  const e = new SpmdError(
    `finalize: ${what}:\n${lines.join("\n")}` +
      (collective
        ? "\nmismatched collectives: every rank must call the same collectives in the same order"
        : "\nevery message sent must be received, and every receive started must be waited for, before the job ends"),
    "MPI_ERR_OTHER",
  );
  e.stack = `${e.name}: ${e.message}`; // the bootstrap's own frames would tell the user nothing
  return e;
}
