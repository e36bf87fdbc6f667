// The entry module of every rank's Web Worker. It receives the job's shared
// memory from the launcher, makes `world()` find it, gives the user program
// its own `Deno.args`, imports the program, and reports how the rank ended.
//
// Messages to the launcher (see job.ts): done, error, abort, aborted, exit.

import { setWorldInfo, worldInfo } from "./_world_info.ts";
import { COLLECTIVE_TAG_NAMES } from "../collectives/_coll.ts";
import { SpmdError } from "../errors.ts";

/** Completes pending sends; fails if collective messages were left unreceived (mismatched collectives). */
function finalize(): void {
  const t = worldInfo()?.transport;
  if (t === undefined) return;
  t.finalize();
  const left = t.leftoverCollectiveMessages();
  if (left.length > 0) {
    const what = left.slice(0, 3).map((m) =>
      `a ${COLLECTIVE_TAG_NAMES[m.tag] ?? `tag ${m.tag}`} message from rank ${m.source} on comm ${m.context >> 1}`
    );
    throw new SpmdError(
      `finalize: this rank ended with ${left.length} collective message(s) that no collective call received ` +
        `(${what.join(", ")}): mismatched collectives — every rank must call the same collectives in the same order`,
      "MPI_ERR_OTHER",
    );
  }
}
import type { InitMessage, RankMessage } from "./_protocol.ts";

declare const self: {
  postMessage(m: RankMessage): void;
  onmessage: ((e: MessageEvent<InitMessage>) => void) | null;
  addEventListener(
    type: string,
    fn: (e: Event & { error?: unknown; reason?: unknown }) => void,
  ): void;
};

let rank = -1;
let ended = false;

function report(m: RankMessage): void {
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
  if (ended) return;
  ended = true;
  const name = (e as { name?: string } | null)?.name;
  if (name === "AbortSignalled") return; // comm.abort already reported
  if (name === "AbortedError") {
    report({ t: "aborted", rank });
    return;
  }
  const { message, stack } = errorText(e);
  // The launcher stops the other ranks once it has recorded what they were doing.
  report({ t: "error", rank, message, stack });
}

function tagConsole(r: number): void {
  const c = console as unknown as Record<string, (...a: unknown[]) => void>;
  for (
    const [name, stream] of [
      ["log", "stdout"],
      ["info", "stdout"],
      ["debug", "stdout"],
      ["error", "stderr"],
      [
        "warn",
        "stderr",
      ],
    ] as const
  ) {
    const orig = c[name].bind(console);
    const prefix = `[1,${r}]<${stream}>:`;
    c[name] = (...args: unknown[]) => {
      const text = args.map((a) => typeof a === "string" ? a : Deno.inspect(a, { colors: false })).join(" ");
      orig(text.split("\n").map((l) => prefix + l).join("\n"));
    };
  }
}

self.addEventListener("error", (e) => {
  e.preventDefault();
  fail(e.error ?? (e as unknown as ErrorEvent).message);
});
self.addEventListener("unhandledrejection", (e) => {
  e.preventDefault();
  fail(e.reason);
});

self.onmessage = async (e: MessageEvent<InitMessage>) => {
  const init = e.data;
  self.onmessage = null;
  rank = init.rank;
  setWorldInfo({
    sab: init.sab,
    rank: init.rank,
    spin: init.spin,
    unexpectedBytes: init.unexpectedBytes,
    onAbort: (code, message) => {
      ended = true;
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
      if (!ended) {
        if (code === 0) {
          try {
            finalize();
          } catch (err) {
            fail(err);
            return exit(1);
          }
          ended = true;
          report({ t: "done", rank });
        } else {
          ended = true;
          report({ t: "exit", rank, code });
        }
      }
      return exit(code);
    },
  });
  if (init.tagOutput) tagConsole(rank);
  try {
    await import(init.module);
    finalize();
    if (!ended) {
      ended = true;
      report({ t: "done", rank });
    }
  } catch (err) {
    fail(err);
  }
};
