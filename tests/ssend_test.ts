// Synchronous sends and sendrecvReplace (issue 14): tests/programs/ssend.ts
// checks ssend / issend (complete only once a receive has taken the
// message, by every kind of receive; acknowledgements invisible to
// wildcards) and sendrecvReplace at each size; ssend to each other before
// receiving is the classic deadlock, and the launcher reports it.
import { equal, match, ok, rejects } from "node:assert/strict";
import { JobError, spawn } from "../mod.ts";
import { run } from "./_util.ts";

for (const size of [1, 2, 3, 4, 7]) {
  Deno.test(`ssend: ssend/issend complete on the receive, sendrecvReplace, at ${size} ranks`, async () => {
    await run("ssend.ts", size, [], 120);
  });
}

Deno.test("ssend: a ring of ssends before any receive deadlocks, and the report names every ssend", async () => {
  for (const size of [1, 3]) {
    await rejects(
      spawn(new URL("./programs/ssend.ts", import.meta.url), { size, args: ["deadlock"], timeout: 60 }),
      (e: unknown) => {
        ok(e instanceof JobError, `not a JobError: ${e}`);
        equal(e.rank, -1);
        match(e.message, /^spmd: deadlock: every rank still running is blocked/);
        for (let r = 0; r < size; r++) {
          match(e.message, new RegExp(`rank ${r}: blocked in ssend\\(dest=${(r + 1) % size}, tag=1`));
        }
        return true;
      },
    );
  }
});
