// Collectives on the shared-memory slots: see programs/slots.ts.
import { match, ok, rejects } from "node:assert/strict";
import { JobError, spawn } from "../mod.ts";
import { run } from "./_util.ts";

Deno.test("slots: identical results on every rank; disagreements fail on every rank alike", async () => {
  await run("slots.ts", 3, [], 60);
  await run("slots.ts", 4, [], 60);
});

Deno.test("slots: a rank that returns while others wait in a barrier fails the job, naming it", async () => {
  await rejects(
    spawn(new URL("./programs/slots_left.ts", import.meta.url), { size: 3, timeout: 60 }),
    (e: unknown) => {
      ok(e instanceof JobError, String(e));
      match(e.message, /^rank [01]: SpmdError: barrier: rank 2 has finished without joining this collective/);
      return true;
    },
  );
});
