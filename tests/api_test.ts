// spawn(), world() in a plain program, and use after the job ended.
import { equal, match, ok, rejects, throws } from "node:assert/strict";
import { JobError, spawn, SpmdError, world } from "../mod.ts";
import { startJob } from "../launcher/job.ts";
import { Comm } from "../comm.ts";

const prog = (name: string) => new URL(`./programs/${name}`, import.meta.url);

Deno.test("spawn resolves when every rank returns", async () => {
  await spawn(prog("many.ts"), { size: 3, timeout: 60 });
});

Deno.test("spawn rejects with an error naming the failing rank", async () => {
  await rejects(spawn(prog("throws.ts"), { size: 3, timeout: 60 }), (e: unknown) => {
    ok(e instanceof JobError);
    equal(e.rank, 1);
    equal(e.code, 1);
    match(e.message, /^rank 1: Error: boom from rank one \(3\)/);
    return true;
  });
});

Deno.test("spawn rejects bad options", async () => {
  await rejects(spawn(prog("args.ts"), { size: 0 }), /spawn: size must be an integer in 1\.\.\d+, got 0/);
  await rejects(spawn(prog("args.ts"), { size: 1.5 }), /got 1\.5/);
  await rejects(spawn(prog("args.ts"), { size: 2, args: [1 as unknown as string] }), /spawn: args must be an array/);
  await rejects(spawn(prog("args.ts"), { size: 2, timeout: 0 }), /spawn: timeout must be a positive/);
  await rejects(spawn(prog("args.ts"), null as unknown as { size: number }), /spawn: options must be an object/);
});

Deno.test("spawn with a timeout rejects with code 124 and the ranks' waits", async () => {
  await rejects(spawn(prog("hang.ts"), { size: 2, timeout: 0.3 }), (e: unknown) => {
    ok(e instanceof JobError);
    equal(e.code, 124);
    match(e.message, /rank 1: blocked in recv\(source=0, tag=7, comm=0\)/);
    return true;
  });
});

Deno.test("world() in a plain program is a size-1 communicator", () => {
  const comm = world();
  equal(comm.rank, 0);
  equal(comm.size, 1);
  comm.send({ x: 1 }, 0, 4);
  equal(comm.recv<{ x: number }>(0, 4).x, 1);
  throws(() => comm.send(1, 1), /send: dest must be an integer rank in 0\.\.0 \(or PROC_NULL\), got 1/);
});

Deno.test("a communicator used after its job ended throws", async () => {
  const job = startJob({ module: prog("late_use.ts"), size: 2, host: true });
  const host = new Comm({ transport: job.host!, context: 0 });
  host.send(1, 1, 0); // rank 1 receives it
  const res = await job.done;
  ok(res.ok);
  throws(() => host.send(1, 1), (e: unknown) => {
    ok(e instanceof SpmdError);
    match(e.message, /^send: the communicator is no longer usable: this rank's job has ended/);
    return true;
  });
  throws(() => host.recv(1), /recv: the communicator is no longer usable/);
});
