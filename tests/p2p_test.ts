// Point-to-point behaviour across ranks. Each program asserts inside the
// ranks; a failing assertion fails the job, and spawn rejects with it.
import { run } from "./_util.ts";

Deno.test("10,000 messages of random sizes keep order per tag and every byte", async () => {
  await run("stream.ts", 2, ["10000"], 180);
});

Deno.test("wildcards, self-send, PROC_NULL and probe (5 ranks)", async () => {
  await run("wildcards.ts", 5);
});

Deno.test("4 MiB and 64 MiB typed arrays; 16 MiB both ways at once", async () => {
  await run("big.ts", 2, [], 180);
});

Deno.test("every value kind arrives intact", async () => {
  await run("values.ts", 2);
});

Deno.test("16 ranks on this machine: pairwise exchange and a ring", async () => {
  await run("many.ts", 16, [], 180);
});

Deno.test("bad input gives errors that name the call and the value", async () => {
  await run("bad_input.ts", 3);
});
