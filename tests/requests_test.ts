// Requests and matched probes (issue 14): tests/programs/requests.ts checks
// waitAny / testAny / waitSome / testAll, cancel() and its races,
// Request.status, Status.count / error / cancelled, `await` on requests and
// mprobe / improbe / Message at each size, with wildcards.
import { run } from "./_util.ts";

for (const size of [1, 2, 3, 4, 7]) {
  Deno.test(`requests: waitAny/testAny/waitSome/testAll, cancel, await, mprobe at ${size} ranks`, async () => {
    await run("requests.ts", size, [], 120);
  });
}
