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

for (const mode of ["waitAny", "waitSome", "await"]) {
  Deno.test(`${mode} on receives from a rank that has finished fails, naming the receive (or reports a deadlock)`, async () => {
    const { spawn } = await import("../mod.ts");
    const { rejects, match } = await import("node:assert/strict");
    await rejects(
      () => spawn(new URL("./programs/ended_waits.ts", import.meta.url), { size: 2, args: [mode], timeout: 60 }),
      (e: Error) => {
        match(
          e.message,
          /^rank 0: SpmdError: irecv: rank 1 has finished without sending a matching message \(tag [12]\)|deadlock: [^\n]*\nwaits:\n\s+rank 0: blocked in wait(Any|Some)/,
        );
        return true;
      },
    );
  });
}
