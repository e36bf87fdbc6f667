// Groups (issue 14, point 7): comm.group, Group's algebra and comm.create, at several rank counts.
import { run } from "./_util.ts";

for (const n of [1, 2, 3, 4, 7]) {
  Deno.test(`groups: comm.group, Group ops and comm.create at ${n} ranks`, () => run("groups.ts", n, [], 60));
}
