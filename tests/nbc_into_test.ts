// Nonblocking buffer collectives, idup, testSome, Message.recvInto (issue 14), and mismatched
// nonblocking collectives: an error naming both calls, not a hang.
import { match, rejects } from "node:assert/strict";
import { run } from "./_util.ts";

for (const n of [1, 2, 3, 4, 7]) {
  Deno.test(`nonblocking buffer collectives at ${n} ranks`, () => run("nbc_into.ts", n, [], 90));
}

function fails(size: number, mode: string, check: (message: string) => void): Promise<void> {
  return rejects(run("nbc_mismatch.ts", size, [mode], 30), (e: unknown) => {
    check((e as Error).message);
    return true;
  });
}

for (const n of [2, 3, 4, 7]) {
  Deno.test(`mismatched nonblocking collectives fail with both calls named, at ${n} ranks`, async () => {
    await fails(n, "calls", (m) => {
      match(m, /started (ibcast\(root=0\)|iallreduce\(\)) where rank \d+ started (iallreduce\(\)|ibcast\(root=0\))/);
      match(m, /mismatched nonblocking collectives/);
    });
    await fails(
      n,
      "roots",
      (m) => match(m, /ibcastInto: rank \d+ started ibcastInto\(root=\d, Float64Array\(2\)\) where/),
    );
    await fails(
      n,
      "shapes",
      (m) =>
        match(
          m,
          /iallreduceInto\(Float64Array\((2|3)\)\) where rank \d+ started iallreduceInto\(Float64Array\((3|2)\)\)/,
        ),
    );
    await fails(n, "types", (m) => match(m, /igatherInto\(root=0, (Int32Array|Float64Array)\(2\)\) where/));
    await fails(
      n,
      "in-flight",
      (m) => match(m, /started (iscan|iexscan)\(\) where rank \d+ started (iexscan|iscan)\(\)/),
    );
  });
}

Deno.test("a nonblocking collective against a blocking one fails", async () => {
  await fails(3, "blocking", (m) => {
    match(m, /^rank 0: SpmdError: iallreduce: rank 1 is in a blocking allreduce where rank 0 started iallreduce\(\)/);
    match(m, /mismatched collectives/);
  });
  await fails(
    2,
    "blocking-world",
    (m) => match(m, /deadlock: .*\n.*mismatched collectives on comm 0: .*rank 1 in allreduce/),
  );
});

for (const n of [1, 2, 3, 4, 7]) {
  Deno.test(`nonblocking reductions with operand-modifying user ops match the blocking calls, at ${n} ranks`, () =>
    run("nbc_user_ops.ts", n, [], 60));
}

for (const n of [2, 3, 4]) {
  Deno.test(`a nonblocking collective followed by a blocking one is not taken for a mismatch, at ${n} ranks`, () =>
    run("nbc_then_blocking.ts", n, ["200"], 60));
}
