// Reductions give the reference result with user ops written in any style,
// and inputs that disagree between ranks fail on every rank with the same
// error: run at several rank counts (the programs loop over every root).
import { run } from "./_util.ts";

for (const size of [1, 2, 3, 4, 5, 8]) {
  const ranks = `${size} rank${size > 1 ? "s" : ""}`;
  Deno.test(`user ops, MPI-style ops and MAXLOC on arrays give the reference result at ${ranks}`, async () => {
    await run("user_ops.ts", size, [], 180);
  });
  Deno.test(`reductions whose inputs disagree between ranks fail on every rank alike at ${ranks}`, async () => {
    await run("reduction_errors.ts", size, [], 180);
  });
}
