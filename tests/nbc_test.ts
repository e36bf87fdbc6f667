// Nonblocking collectives (issue 14, point 5), at several rank counts.
import { run } from "./_util.ts";

for (const n of [1, 2, 3, 4, 7]) {
  Deno.test(`nonblocking collectives at ${n} ranks`, () => run("nbc.ts", n, [], 60));
}

for (const size of [1, 2, 3, 4, 7]) {
  Deno.test(`nonblocking collectives progress while a rank is blocked in another call (MPI's progress rule), ${size} rank(s)`, async () => {
    await run("nbc_progress.ts", size, [], 60);
  });
}

for (const size of [1, 2, 3, 4, 5]) {
  Deno.test(`a user op that throws in a nonblocking reduction fails the ranks that need its result, ${size} rank(s)`, async () => {
    await run("nbc_op_throws.ts", size, [], 60);
  });
}
