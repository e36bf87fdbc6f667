// A rank's life is its event loop: work after the module's top level, late
// errors, early exits, messages never received, waits that are not
// collectives, and local work inside a call that is not a deadlock.
import { doesNotMatch, equal, match, ok, rejects } from "node:assert/strict";
import { JobError, spawn } from "../mod.ts";
import { cli } from "./_util.ts";

const prog = new URL("./programs/lifecycle.ts", import.meta.url);

function fails(size: number, how: string, check: (e: JobError) => void): Promise<void> {
  return rejects(spawn(prog, { size, args: [how], timeout: 60 }), (e: unknown) => {
    ok(e instanceof JobError, `not a JobError: ${e}`);
    ok(e.code !== 124, `timed out instead of ending: ${e.message}`);
    check(e);
    return true;
  });
}

Deno.test("a throw from a timer after the module returned fails the job", async () => {
  await fails(3, "late-throw", (e) => {
    equal(e.rank, 1);
    match(e.message, /^rank 1: RangeError: thrown from a late timer/);
  });
});

Deno.test("a rejection after the module returned fails the job", async () => {
  await fails(2, "late-reject", (e) => {
    equal(e.rank, 1);
    match(e.message, /^rank 1: Error: rejected late/);
  });
});

Deno.test("a late throw that another rank waits for is reported as itself, not as a deadlock", async () => {
  await fails(2, "late-throw-waited", (e) => {
    equal(e.rank, 1);
    match(e.message, /^rank 1: TypeError: thrown from a timer while rank 0 waits/);
    doesNotMatch(e.message, /deadlock/);
    match(e.message, /rank 0: blocked in recv\(source=1, tag=5, comm=0\)/);
  });
});

Deno.test("an async main that is not awaited runs to its end on every rank", async () => {
  const r = await cli(["-n", "3", "tests/programs/lifecycle.ts", "async-main"]);
  equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n").sort();
  equal(lines.length, 3, r.stdout);
  for (let i = 0; i < 3; i++) equal(lines[i], `rank ${i}: async main finished with 6`);
});

Deno.test("a rank that called Deno.exit(0) while another waits for it is named in the report", async () => {
  await fails(2, "exit0-waited", (e) => {
    match(e.message, /^rank 0: SpmdError: recv: rank 1 has finished without sending a matching message \(tag 4\)/);
    match(e.message, /rank 1: called Deno\.exit\(0\) and ended while other ranks still ran/);
    doesNotMatch(e.message, /collective/);
  });
});

Deno.test("an isend larger than the ring that nobody receives ends the job with a report", async () => {
  await fails(2, "unreceived-isend", (e) => {
    match(e.message, /sent and never received/);
    match(e.message, /rank 0 → rank 1: tag 5, 4194304 bytes, comm 0 \(partly transferred\)/);
  });
});

Deno.test("small sends that nobody receives are each reported", async () => {
  await fails(2, "unreceived-small", (e) => {
    match(e.message, /2 message\(s\) were sent and never received/);
    match(e.message, /rank 0 → rank 1: tag 6, 8 bytes, comm 0\n/);
    match(e.message, /rank 0 → rank 1: tag 7, 3 bytes, comm 0/);
    doesNotMatch(e.message, /mismatched collectives/);
  });
});

Deno.test("a send to a rank that has finished is reported when the job ends", async () => {
  await fails(2, "unreceived-after-finish", (e) => {
    match(e.message, /sent and never received/);
    match(e.message, /rank 0 → rank 1: tag 8, 24 bytes, comm 0/);
  });
});

Deno.test("a receive from a rank that finished without sending fails at once, naming both", async () => {
  await fails(2, "recv-from-ended", (e) => {
    equal(e.rank, 0);
    match(e.message, /^rank 0: SpmdError: recv: rank 1 has finished without sending a matching message \(tag 3\)/);
    match(e.message, /rank 1: finished/);
  });
});

Deno.test("a blocking send to a rank that finished never hangs", async () => {
  for (let i = 0; i < 5; i++) {
    await fails(2, "send-to-ended", (e) => {
      match(e.message, /rank 0 → rank 1: tag 5, 4194304 bytes|send: rank 1 has finished, so this message/);
    });
  }
});

Deno.test("a receive started and never waited for fails the job, whenever its message comes", async () => {
  for (const delay of ["0", "50", "0", "50"]) {
    await rejects(spawn(prog, { size: 2, args: ["irecv-unwaited", delay], timeout: 60 }), (e: unknown) => {
      ok(e instanceof JobError && e.code === 1, String(e));
      match(
        e.message,
        /irecv\(source=0, tag=5, comm 0\) was started and never completed|rank 0 → rank 1: tag 5, 8 bytes/,
      );
      return true;
    });
  }
});

Deno.test("Deno.exit(3) after a rank finished still fails the job with code 3", async () => {
  await fails(2, "late-exit", (e) => {
    equal(e.code, 3);
    match(e.message, /^rank 1: \(after its program had finished\) called Deno\.exit\(3\)/);
  });
});

Deno.test("Deno.exit(256) in a rank fails the job with a non-zero exit code", async () => {
  await fails(2, "exit256", (e) => {
    equal(e.code, 1);
    match(e.message, /^rank 1: called Deno\.exit\(256\) before the job ended/);
  });
});

Deno.test("a rank kept alive only by a timer is described as such when the job times out", async () => {
  await rejects(spawn(prog, { size: 2, args: ["timer-only"], timeout: 1 }), (e: unknown) => {
    ok(e instanceof JobError);
    equal(e.code, 124);
    match(e.message, /rank 1: its module returned; its event loop still has work \(a timer, an interval or I\/O\)/);
    match(e.message, /rank 0: blocked in recv\(source=1, tag=4, comm=0\)/);
    return true;
  });
});

Deno.test("a user op computing for 700 ms inside allreduce and reduce is not a deadlock", async () => {
  await spawn(prog, { size: 3, args: ["slow-op"], timeout: 60 });
});

Deno.test("serializing a large object graph while the receiver waits is not a deadlock", async () => {
  await spawn(prog, { size: 2, args: ["slow-serialize"], timeout: 120 });
});

Deno.test("a deadlock between wait() and waitAll() names each request and no collective", async () => {
  await fails(2, "wait-deadlock", (e) => {
    match(e.message, /^spmd: deadlock:/);
    match(e.message, /rank 0: blocked in wait\(\) for irecv\(source=1, tag=3, comm=0\)/);
    match(e.message, /rank 1: blocked in waitAll\(\) for irecv\(source=ANY_SOURCE, tag=4, comm=0\)/);
    doesNotMatch(e.message, /collective|mismatch|comm -1/);
  });
});

Deno.test("cli: comm.abort(0) exits 0, prints the report, and shows where the others were woken", async () => {
  const r = await cli(["-n", "3", "tests/programs/abort.ts", "0"]);
  equal(r.code, 0, r.stderr);
  match(r.stderr, /^rank 0: giving up on purpose/m);
  // Each rank was woken from its recv (the last to say "ready" may still be leaving its send).
  match(r.stderr, /rank [12]: blocked in recv\(source=0, tag=1, comm=0\)/);
  match(r.stderr, /rank 1: blocked in (recv\(source=0, tag=1|send\(dest=0, tag=2)/);
  match(r.stderr, /rank 2: blocked in (recv\(source=0, tag=1|send\(dest=0, tag=2)/);
});
