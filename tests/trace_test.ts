// Tracing: what the ranks record (transport/trace.ts) through a real job.

import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { startJob } from "../launcher/job.ts";
import { callCode } from "../transport/calls.ts";
import { createTraceBuffer, readTrace, TraceRecorder } from "../transport/trace.ts";
import { region, SpmdError, traceEnd } from "../mod.ts";

const PROGRAM = new URL("./programs/traced.ts", import.meta.url);

function run(size: number, args: string[], trace: boolean | number = true) {
  return startJob({ module: PROGRAM, size, args, trace, timeout: 60 });
}

Deno.test("every message is a send on its sender and a receive on its receiver, with the same number", async () => {
  const job = run(4, ["ring"]);
  const result = await job.done;
  ok(result.ok, JSON.stringify(result.failure));
  const ranks = job.traces();
  equal(ranks.length, 4);
  const sends = ranks.flatMap((t) => t.events.filter((e) => e.type === "send").map((e) => `${t.rank}>${e.a}#${e.b}`));
  const recvs = ranks.flatMap((t) => t.events.filter((e) => e.type === "recv").map((e) => `${e.a}>${t.rank}#${e.b}`));
  deepEqual([...sends].sort(), [...recvs].sort());
  ok(sends.length >= 4, `${sends.length} messages`);
  for (const t of ranks) {
    const regions = new Set(t.events.filter((e) => e.type === "region").map((e) => t.names[e.a]));
    deepEqual([...regions].sort(), ["compute", "exchange", "reduce"]);
    // A collective's record names the algorithm that ran.
    const ar = t.events.find((e) => e.type === "call" && e.a === callCode("allreduce"))!;
    ok(ar.alg !== undefined && ar.alg >= 0 && typeof t.names[ar.alg] === "string", JSON.stringify(ar));
    equal(t.dropped, 0);
    const calls = t.events.filter((e) => e.type === "call").map((e) => e.a);
    for (const c of ["send", "recv", "allreduce", "barrier", "finalize"] as const) {
      ok(calls.includes(callCode(c)), `rank ${t.rank} recorded ${c}`);
    }
    for (const e of t.events) ok(e.end >= e.start && e.start >= 0, JSON.stringify(e));
    const ring = t.events.find((e) => e.type === "send" && e.tag === 7)!;
    equal(ring.a, (t.rank + 1) % 4);
    equal(ring.bytes, 32);
    // The region "exchange" encloses this rank's ring send.
    const ex = t.events.find((e) => e.type === "region" && t.names[e.a] === "exchange")!;
    ok(ex.start <= ring.start && ring.start <= ex.end);
    // An async region ends when its promise settles, after the allreduce inside it.
    const red = t.events.find((e) => e.type === "region" && t.names[e.a] === "reduce")!;
    const all = t.events.find((e) => e.type === "call" && e.a === callCode("allreduce"))!;
    ok(red.start <= all.start && all.end <= red.end);
  }
});

Deno.test("a failed job's trace holds what the ranks did up to the failure", async () => {
  const job = run(3, ["fail"]);
  const result = await job.done;
  equal(result.ok, false);
  const r1 = job.traces()[1];
  ok(r1.events.some((e) => e.type === "send" && e.tag === 7), "rank 1's send before it threw");
  ok(r1.events.some((e) => e.type === "region" && r1.names[e.a] === "exchange"));
});

Deno.test("a full buffer keeps the newest records and counts the dropped ones", async () => {
  const job = run(2, ["many", "500"], 64);
  ok((await job.done).ok);
  const [r0, r1] = job.traces();
  equal(r0.events.length, 64);
  ok(r0.dropped >= 500 * 2 - 64, `rank 0 dropped ${r0.dropped}`);
  // The newest are kept: the last send's number is 499.
  equal(Math.max(...r0.events.filter((e) => e.type === "send").map((e) => e.b)), 499);
  equal(r1.events.length, 64);
});

Deno.test("untraced jobs record nothing and regions only check their arguments", async () => {
  const job = run(2, ["ring"], false);
  ok((await job.done).ok);
  deepEqual(job.traces(), []);
  equal(region("x", () => 5), 5);
  throws(
    () => region("", () => 1),
    (e) => e instanceof SpmdError && /region: name must be a non-empty string/.test(e.message),
  );
  throws(() => region("x", 3 as unknown as () => number), /region: fn must be a function, got 3/);
  throws(() => traceEnd(), /traceEnd: no region is open/);
});

Deno.test("the recorder: nested calls record only the outermost; region names are kept in order", () => {
  const sab = createTraceBuffer(16, performance.timeOrigin + performance.now());
  const rec = new TraceRecorder(sab, 2);
  rec.enter(1, 1, 5, 0);
  rec.enter(2, -1, -1, 0);
  rec.send(1, 5, 0, 8);
  rec.leave();
  rec.leave();
  rec.begin("a");
  rec.begin("b");
  equal(rec.end(), true);
  equal(rec.end(), true);
  equal(rec.end(), false);
  const t = readTrace(sab, 0);
  deepEqual(t.events.map((e) => e.type), ["send", "call", "region", "region"]);
  const call = t.events[1];
  deepEqual([call.a, call.b, call.tag, call.bytes], [1, 1, 5, 8]);
  deepEqual(t.names, ["a", "b"]);
  deepEqual(t.events.slice(2).map((e) => t.names[e.a]), ["b", "a"]);
});

Deno.test("a deadlocked job's trace shows each rank's call in progress, up to the failure", async () => {
  const job = startJob({
    module: new URL("./programs/deadlock.ts", import.meta.url),
    size: 3,
    args: ["cycle"],
    trace: true,
    timeout: 60,
  });
  const result = await job.done;
  equal(result.failure?.kind, "deadlock");
  for (const t of job.traces()) {
    const open = t.events.filter((e) => e.type === "call" && e.a === callCode("recv"));
    equal(open.length, 1, `rank ${t.rank}: ${JSON.stringify(t.events)}`);
    equal(open[0].b, (t.rank + 1) % 3); // waiting for the next rank
    ok(open[0].end > open[0].start);
  }
});
