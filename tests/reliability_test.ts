// Failures, deadlocks and overruns end the job with a report that says
// what happened and what every rank was doing, instead of hanging.
import { equal, match, ok, rejects } from "node:assert/strict";
import { JobError, spawn } from "../mod.ts";
import { cli } from "./_util.ts";

const prog = (name: string) => new URL(`./programs/${name}`, import.meta.url);

function fails(name: string, size: number, args: string[], check: (e: JobError) => void, extra = {}) {
  return rejects(spawn(prog(name), { size, args, timeout: 60, ...extra }), (e: unknown) => {
    ok(e instanceof JobError, `not a JobError: ${e}`);
    check(e);
    return true;
  });
}

Deno.test("an unhandled rejection fails the job, naming the rank", async () => {
  await fails("failures.ts", 3, ["reject"], (e) => {
    equal(e.rank, 1);
    match(e.message, /^rank 1: Error: rejected on purpose/);
    match(e.message, /rank 0: blocked in recv\(source=1, tag=7, comm=0\)/);
  });
});

Deno.test("an error thrown from a timer fails the job", async () => {
  await fails("failures.ts", 2, ["throw-later"], (e) => match(e.message, /^rank 1: TypeError: thrown from a timer/));
});

Deno.test("Deno.exit(3) in a rank stops the job with code 3", async () => {
  await fails("failures.ts", 3, ["exit", "barrier"], (e) => {
    equal(e.code, 3);
    match(e.message, /^rank 1: called Deno\.exit\(3\) before the job ended/);
    match(e.message, /rank 2: (blocked in barrier\(comm=0\)|blocked in send|running user code)/); // it may not have entered yet
  });
});

Deno.test("cli: a failure stops ranks blocked in barrier and busy loops", async () => {
  for (const others of ["barrier", "busy"]) {
    const r = await cli(["-n", "3", "tests/programs/failures.ts", "reject", others]);
    equal(r.code, 1, r.stderr);
    match(r.stderr, /^rank 1: Error: rejected on purpose/m);
    // (rank 2 may still be leaving the send of its "ready" message)
    match(
      r.stderr,
      others === "busy"
        ? /rank 2: (running user code|blocked in send)/
        : /rank 2: (blocked in barrier|running user code|blocked in send)/,
    );
  }
});

Deno.test("deadlock: a cycle of receives is reported with every wait", async () => {
  await fails("deadlock.ts", 3, ["cycle"], (e) => {
    equal(e.rank, -1);
    match(e.message, /^spmd: deadlock: every rank still running is blocked/);
    for (let r = 0; r < 3; r++) {
      match(e.message, new RegExp(`rank ${r}: blocked in recv\\(source=${(r + 1) % 3}, tag=3`));
    }
  });
});

Deno.test("deadlock: mismatched collectives are named as such", async () => {
  await fails("deadlock.ts", 3, ["bcast-gather"], (e) => {
    match(e.message, /deadlock:/);
    match(e.message, /mismatched collectives on comm 0: .*rank 1 in gather\(root=1\)/);
  });
  await fails("deadlock.ts", 3, ["roots"], (e) => {
    match(e.message, /mismatched collectives on comm 0: rank 0 in bcast\(root=1\), rank 1 in bcast\(root=0\)/);
  });
});

Deno.test("deadlock: a rank waiting in a collective's fast path is reported in that call", async () => {
  // barrier and a small allreduceInto begin unrecorded on the slots (collectives/_slots.ts endUnrecorded).
  await fails("deadlock.ts", 3, ["quick"], (e) => {
    match(e.message, /^spmd: deadlock: every rank still running is blocked/);
    match(e.message, /rank 0: blocked in barrier/);
    match(e.message, /rank 1: blocked in allreduceInto/);
    match(e.message, /rank 2: blocked in recv\(source=0, tag=5/);
  });
});

Deno.test("mismatched collectives that do not block are caught when the ranks end", async () => {
  await fails("deadlock.ts", 2, ["left-over"], (e) => {
    // Each rank holds the other's message; whichever finalizes first reports.
    match(e.message, /^rank [01]: SpmdError: finalize: 1 message\(s\) were sent and never received:\n/);
    match(
      e.message,
      // (the bcast carries a number, 8 bytes; the gather a list of one, as a structured clone)
      /\n {2}rank (0 → rank 1: a bcast message of a collective, 8 bytes|1 → rank 0: a gather message of a collective, \d+ bytes), comm 0\n/,
    );
    match(e.message, /\nmismatched collectives: every rank must call the same collectives/);
  });
});

Deno.test("gatherv counts that do not match fail on every rank with one message", async () => {
  await fails("deadlock.ts", 3, ["counts"], (e) => {
    match(e.message, /gatherv: rank 1 passed 3 elements but counts\[1\] is 2/);
  });
});

Deno.test("a rank flooded past the unexpected-queue bound fails clearly", async () => {
  await fails("deadlock.ts", 2, ["flood"], (e) => {
    equal(e.rank, 1);
    match(e.message, /rank 1: .*messages \(\d+ bytes\) arrived that no receive has taken, past the bound/);
    match(e.message, /from rank 0/);
  }, { unexpectedBytes: 1 << 20 });
});

Deno.test("cli: a deadlock ends the job with exit code 1 and the report", async () => {
  const r = await cli(["-n", "2", "tests/programs/deadlock.ts", "cycle"]);
  equal(r.code, 1);
  match(r.stderr, /^spmd: deadlock: /);
  match(
    r.stderr,
    /waits:\n {2}rank 0: blocked in recv\(source=1, tag=3, comm=0\)\n {2}rank 1: blocked in recv\(source=0/,
  );
});

Deno.test("short soak: random traffic on 8 ranks loses and corrupts nothing", async () => {
  const seed = Date.now() % 100000;
  try {
    await spawn(prog("soak.ts"), { size: 8, args: ["150", String(seed)], timeout: 120 });
  } catch (e) {
    throw new Error(
      `soak with seed ${seed} failed (replay: deno run -A cli.ts -n 8 tests/programs/soak.ts 150 ${seed})`,
      {
        cause: e,
      },
    );
  }
});
