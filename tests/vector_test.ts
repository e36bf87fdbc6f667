// gatherv / scatterv / allgatherv with displacements, alltoallv and
// reduceScatterBlock (issue 14 point 4), checked inside the ranks
// (programs/vector.ts) against results computed locally.
import { run } from "./_util.ts";

for (const size of [1, 2, 3, 4, 7]) {
  Deno.test(`vector collectives with displacements at ${size} rank${size > 1 ? "s" : ""}`, async () => {
    await run("vector.ts", size, [], 120);
  });
}
