// Point-to-point behaviour across ranks. Each program asserts inside the
// ranks; a failing assertion fails the job, and spawn rejects with it.
import { deepEqual, equal } from "node:assert/strict";
import { cli, deno, run } from "./_util.ts";

Deno.test("10,000 messages of random sizes keep order per tag and every byte", async () => {
  await run("stream.ts", 2, ["10000"], 180);
});

Deno.test("every copy path of the rings keeps every byte: by memcpy (FFI), by set without FFI, and by set when turned off", async () => {
  const cliTs = new URL("../cli.ts", import.meta.url).pathname;
  const runs = [
    { label: "-A", r: await cli(["-n", "2", "tests/programs/copies.ts"], 120), memcpy: true },
    {
      label: "no --allow-ffi",
      r: await deno(["run", "--allow-read", "--allow-env", cliTs, "-n", "2", "tests/programs/copies.ts"], {
        timeout: 120,
      }),
      memcpy: false,
    },
    {
      label: "SPMD_MEMCPY=0",
      r: await deno(["run", "-A", cliTs, "-n", "2", "tests/programs/copies.ts"], {
        timeout: 120,
        env: { SPMD_MEMCPY: "0" },
      }),
      memcpy: false,
    },
  ];
  for (const { label, r, memcpy } of runs) {
    equal(r.code, 0, `${label}: ${r.stderr}`);
    equal(r.stderr, "", `${label}: no permission prompt or warning`);
    deepEqual(JSON.parse(r.stdout), { checked: 3000, memcpy }, label);
  }
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
