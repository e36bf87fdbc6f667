// The entry module of every rank's Web Worker. It receives the job's shared
// memory from the launcher, makes `world()` find it, gives the user program
// its own `Deno.args`, imports the program, and reports how the rank ended.
//
// A rank's life is its event loop, not its module's top level: a program may
// start async work (an un-awaited `async main()`, timers, I/O) that goes on
// after the top level returns. So when the module returns, the rank reports
// "returned" and the launcher asks it, message by message, whether its event
// loop has anything left; only once it is idle (twice in a row) does the
// rank finalize and report "done". An error at any time, even after "done",
// is reported.
//
// Messages to the launcher (see _protocol.ts): returned, busy, done, error,
// abort, aborted, exit.

import { setWorldInfo, worldInfo } from "./_world_info.ts";
import { redirectOutput } from "./_output.ts";
import { leftoverError } from "../report.ts";
import type { IdleQuery, InitMessage, RankMessage } from "../_protocol.ts";

/**
 * Completes pending sends; fails when messages were left unreceived (sent
 * here and never received, or sent from here to a rank that has ended),
 * naming each.
 */
function finalize(exit: boolean): void {
  const t = worldInfo()?.transport;
  if (t === undefined) return;
  const e = leftoverError(t.finalize(exit));
  if (e !== null) throw e;
}

declare const self: {
  postMessage(m: RankMessage): void;
  onmessage: ((e: MessageEvent<InitMessage | IdleQuery>) => void) | null;
  addEventListener(
    type: string,
    fn: (e: Event & { error?: unknown; reason?: unknown }) => void,
  ): void;
};

let rank = -1;
/** "running" until the rank reported how it ended. */
let state: "running" | "done" | "ended" = "running";

/** Writes out partial output lines (set when the rank's output is redirected). */
let flushOutput = (): void => {};

function report(m: RankMessage): void {
  // A rank's last partial line is written before the launcher hears that it ended.
  if (m.t !== "returned" && m.t !== "busy") flushOutput();
  self.postMessage(m);
}

function errorText(e: unknown): { message: string; stack: string } {
  if (e instanceof Error) {
    return { message: e.message, stack: e.stack ?? `${e.name}: ${e.message}` };
  }
  const s = typeof e === "string" ? e : Deno.inspect(e);
  return { message: `uncaught ${s}`, stack: `Uncaught ${s}` };
}

function fail(e: unknown): void {
  const name = (e as { name?: string } | null)?.name;
  if (name === "AbortSignalled") return; // comm.abort already reported
  if (state === "ended") return;
  if (name === "AbortedError") {
    if (state === "running") report({ t: "aborted", rank });
    state = "ended";
    return;
  }
  const late = state === "done";
  state = "ended";
  const { message, stack } = errorText(e);
  // The launcher stops the other ranks once it has recorded what they were doing.
  report({ t: "error", rank, message, stack, late });
}

/** Finalizes and reports "done" (once). */
function finish(exit = false): boolean {
  if (state !== "running") return true;
  try {
    finalize(exit);
  } catch (err) {
    fail(err);
    return false;
  }
  state = "done";
  report({ t: "done", rank });
  return true;
}

/**
 * True when this worker's event loop has nothing left to run. Valid only
 * while a message from the launcher is being handled. Uses Deno's internal
 * `eventLoopHasMoreWork`; where it is missing, the rank is taken as idle as
 * soon as its module returns.
 */
const hasMoreWork: () => boolean = (() => {
  try {
    const internal = (Deno as unknown as Record<symbol, { core?: { eventLoopHasMoreWork?: () => boolean } }>)[
      (Deno as unknown as { internal: symbol }).internal
    ];
    const fn = internal?.core?.eventLoopHasMoreWork;
    if (typeof fn === "function") return () => fn();
  } catch { /* not available */ }
  return () => false;
})();

let idleInARow = 0;

function onIdleQuery(): void {
  if (state !== "running") return;
  if (hasMoreWork()) {
    idleInARow = 0;
    report({ t: "busy", rank });
    return;
  }
  // Twice in a row, one launcher round trip apart: an I/O result that was
  // ready but not yet delivered at the first look is seen at the second.
  if (++idleInARow < 2) {
    report({ t: "busy", rank });
    return;
  }
  finish();
}

self.addEventListener("error", (e) => {
  e.preventDefault();
  fail(e.error ?? (e as unknown as ErrorEvent).message);
});
self.addEventListener("unhandledrejection", (e) => {
  e.preventDefault();
  fail(e.reason);
});

async function start(init: InitMessage): Promise<void> {
  rank = init.rank;
  setWorldInfo({
    sab: init.sab,
    heaps: init.heaps,
    rank: init.rank,
    spin: init.spin,
    unexpectedBytes: init.unexpectedBytes,
    trace: init.trace,
    onAbort: (code, message) => {
      state = "ended";
      report({ t: "abort", rank, code, message });
    },
  });
  Object.defineProperty(Deno, "args", {
    value: Object.freeze([...init.args]),
    configurable: true,
  });
  const exit = Deno.exit;
  Object.defineProperty(Deno, "exit", {
    configurable: true,
    writable: true,
    value: (code = 0): never => {
      if (state === "running") {
        if (code === 0) {
          if (!finish(true)) return exit(1);
        } else {
          state = "ended";
          report({ t: "exit", rank, code });
        }
      } else if (state === "done" && code !== 0) {
        state = "ended";
        report({ t: "exit", rank, code, late: true }); // after it finished: still a failure
      }
      flushOutput();
      return exit(code);
    },
  });
  try {
    if (init.tagOutput || init.timestampOutput || init.outputDir !== undefined) {
      flushOutput = redirectOutput(rank, { tag: init.tagOutput, timestamp: init.timestampOutput, dir: init.outputDir });
    }
    // A dynamic import on purpose: init.module is the user's program (the launcher's script argument or spawn's
    // module), known only at run time. `deno publish` warns that it cannot analyze it (unanalyzable-dynamic-import);
    // .ci/package_check.ts allows exactly this warning and the one in cli.ts.
    await import(init.module);
  } catch (err) {
    fail(err);
    return;
  }
  if (state === "running") report({ t: "returned", rank });
}

self.onmessage = (e: MessageEvent<InitMessage | IdleQuery>) => {
  const m = e.data;
  if (m.t === "init") void start(m);
  else if (m.t === "idle?") onIdleQuery();
};
