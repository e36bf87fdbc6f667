// Nonblocking collectives (issue 14, point 5), at several rank counts.
import { run } from "./_util.ts";

for (const n of [1, 2, 3, 4, 7]) {
  Deno.test(`nonblocking collectives at ${n} ranks`, () => run("nbc.ts", n, [], 60));
}
