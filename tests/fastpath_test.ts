// The shared-memory fast paths through real jobs (tests/programs/fastpath.ts):
// recvInto's direct receive from the ring (matching order, statuses, errors,
// cached byte views, sizes around the cell and ring limits, rendezvous,
// probes, synchronous sends), the lazy release of what it read (every kind
// of wait must release it, or a sender that needs the room waits for ever),
// the trace and the deadlock report of calls that may skip the activity
// block, and random traffic checked byte by byte.

import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { JobError, spawn } from "../mod.ts";
import { startJob } from "../launcher/job.ts";
import { callCode } from "../transport/calls.ts";

const PROGRAM = new URL("./programs/fastpath.ts", import.meta.url);

function run(size: number, args: string[]): Promise<void> {
  return spawn(PROGRAM, { size, args, timeout: 90 });
}

Deno.test("direct receives: order, tags, statuses, errors, views, sizes, rendezvous, probes, ssend", async () => {
  await run(2, ["order"]);
});

for (const kind of ["barrier", "ibarrier", "waitany", "await", "probe", "recv", "lock"]) {
  Deno.test(`cells read by direct receives are released by a wait in ${kind}`, async () => {
    await run(2, ["held-wait", kind]);
  });
}

Deno.test("a stream of typed messages received by recvInto, tags out of order now and then", async () => {
  await run(2, ["stream", "20000"]);
});

Deno.test("random typed traffic received by recvInto from named sources, at 2, 3 and 5 ranks", async () => {
  await run(2, ["random", "150", "1"]);
  await run(3, ["random", "100", "2"]);
  await run(5, ["random", "40", "3"]);
});

Deno.test("a deadlock of recvInto calls is reported with each rank's recvInto", async () => {
  await rejects(run(3, ["recvinto-cycle"]), (e: unknown) => {
    ok(e instanceof JobError, String(e));
    match(e.message, /deadlock/);
    for (let r = 0; r < 3; r++) {
      match(e.message, new RegExp(`rank ${r}: blocked in recvInto\\(source=${(r + 1) % 3}, tag=4, comm=0\\)`));
    }
    return true;
  });
});

Deno.test("a traced job records every typed send and recvInto (the fast paths step aside)", async () => {
  const job = startJob({ module: PROGRAM, size: 2, args: ["traced", "300"], trace: 8192, timeout: 60 });
  const result = await job.done;
  ok(result.ok, JSON.stringify(result.failure));
  const ranks = job.traces();
  const sends = ranks.flatMap((t) => t.events.filter((e) => e.type === "send").map((e) => `${t.rank}>${e.a}#${e.b}`));
  const recvs = ranks.flatMap((t) => t.events.filter((e) => e.type === "recv").map((e) => `${e.a}>${t.rank}#${e.b}`));
  equal(sends.length, 600);
  deepEqual([...sends].sort(), [...recvs].sort());
  for (const t of ranks) {
    equal(t.dropped, 0);
    const calls = t.events.filter((e) => e.type === "call");
    equal(calls.filter((e) => e.a === callCode("recvInto")).length, 300, `rank ${t.rank}'s recvInto calls`);
    equal(calls.filter((e) => e.a === callCode("send")).length, 300, `rank ${t.rank}'s send calls`);
  }
});
