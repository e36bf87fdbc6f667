// Every collective and op at sizes 1..9 and 16, for every root; sub-communicators
// used together with the world. The checks run inside the ranks
// (programs/collectives.ts) against references computed locally.
import { run } from "./_util.ts";

for (const size of [1, 2, 3, 4, 5, 6, 7, 8, 9, 16]) {
  Deno.test(`collectives and ops at ${size} rank${size > 1 ? "s" : ""}`, async () => {
    await run("collectives.ts", size, [], 180);
  });
}

Deno.test("collective misuse: the same clear error on every rank", async () => {
  await run("collective_errors.ts", 3);
  await run("collective_errors.ts", 1);
});
