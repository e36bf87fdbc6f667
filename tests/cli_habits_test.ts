// The launcher takes mpiexec's spellings (issue 14: "the launcher, as mpiexec users type it").

import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { JOB_V8_FLAGS, jobV8Flags, parseCli } from "../launcher/_cli_args.ts";
import { cli } from "./_util.ts";

Deno.test("-np and -c are -n; -l is --tag-output", () => {
  equal(parseCli(["-np", "3", "app.ts"]).np, 3);
  equal(parseCli(["-c", "5", "app.ts"]).np, 5);
  equal(parseCli(["-l", "app.ts"]).tagOutput, true);
  deepEqual(parseCli(["-np", "2", "app.ts", "-np", "9"]).args, ["-np", "9"]); // after the script: the program's
});

Deno.test("placement options are accepted and ignored; host options point to the MPI backend", () => {
  const o = parseCli(["--oversubscribe", "--bind-to", "core", "--map-by=slot", "-n", "2", "app.ts"]);
  equal(o.np, 2);
  deepEqual(o.ignored, ["--oversubscribe", "--bind-to", "core", "--map-by=slot"]);
  for (const h of ["--host", "--hostfile", "-f"]) {
    throws(() => parseCli([h, "nodes", "app.ts"]), /runs every rank as a thread of this one process.*mpiexec/);
  }
});

Deno.test("-x and --env set the ranks' environment; bad forms are named", () => {
  deepEqual(parseCli(["-x", "A=1", "--env", "B=two=2", "app.ts"]).env, { A: "1", B: "two=2" });
  throws(() => parseCli(["--env", "B", "app.ts"]), /--env needs VAR=value, got "B"/);
  throws(() => parseCli(["-x", "1BAD", "app.ts"]), /-x needs VAR or VAR=value, got "1BAD"/);
  throws(() => parseCli(["-x"]), /-x needs VAR or VAR=value, got nothing/);
});

Deno.test("MPIEXEC_TIMEOUT is read as --timeout; --timeout wins", () => {
  Deno.env.set("MPIEXEC_TIMEOUT", "7");
  try {
    equal(parseCli(["app.ts"]).timeout, 7);
    equal(parseCli(["--timeout", "3", "app.ts"]).timeout, 3);
    Deno.env.set("MPIEXEC_TIMEOUT", "soon");
    throws(() => parseCli(["app.ts"]), /MPIEXEC_TIMEOUT must be a positive number of seconds, got "soon"/);
  } finally {
    Deno.env.delete("MPIEXEC_TIMEOUT");
  }
});

Deno.test("a job started as mpiexec users type it: every rank sees -x's variable, one note on stderr", async () => {
  const r = await cli(["-np", "3", "--oversubscribe", "-x", "SPMD_TEST_VAR=hello", "tests/programs/env.ts"]);
  equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l)).sort((a, b) => a.rank - b.rank);
  deepEqual(lines, [0, 1, 2].map((rank) => ({ rank, size: 3, value: "hello" })));
  match(r.stderr, /spmd: ignored --oversubscribe: ranks are threads of one process/);
  ok(r.stderr.split("\n").filter((l) => l.includes("ignored")).length === 1);
});

Deno.test("--tag-output keeps console's printf-style formats (%d, %s, %i, %j)", async () => {
  const r = await cli(["-l", "-n", "2", "tests/programs/formats.ts"]);
  equal(r.code, 0, r.stderr);
  deepEqual(r.stdout.trim().split("\n").sort(), [0, 1].map((i) => `[1,${i}]<stdout>:5 items x {"a":1}`));
  deepEqual(
    r.stderr.trim().split("\n").filter((l) => l.includes("rank")).sort(),
    [0, 1].map((i) => `[1,${i}]<stderr>:rank ${i} of 2`),
  );
});

Deno.test("cli: the job's V8 flags are the launcher's inlining budget, then the user's (which win)", () => {
  equal(jobV8Flags([]), `--v8-flags=${JOB_V8_FLAGS.join(",")}`);
  const user = "--max-inlined-bytecode-size-cumulative=920";
  const flags = jobV8Flags(parseCli([`--v8-flags=${user}`, "app.ts"]).v8Flags).slice("--v8-flags=".length).split(",");
  equal(flags.at(-1), user, "the user's flag comes last, so V8 takes it");
  ok(flags.slice(0, -1).every((f) => JOB_V8_FLAGS.includes(f)));
});
