// self(), wtick(), processorName(), comm.compare, names, REPLACE and
// NO_OP (issue 14 point 7), checked inside the ranks (programs/small_things.ts).
import { run } from "./_util.ts";

for (const size of [1, 2, 3, 4, 7]) {
  Deno.test(`self, wtick, processorName, compare, names, REPLACE and NO_OP at ${size} rank${size > 1 ? "s" : ""}`, () =>
    run("small_things.ts", size, [], 120));
}
