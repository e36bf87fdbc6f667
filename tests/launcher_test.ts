// The command-line launcher, run as a subprocess with a hard timeout.
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { cli } from "./_util.ts";

Deno.test("cli: -n 4 passes the script's arguments to every rank", async () => {
  const r = await cli(["-n", "4", "tests/programs/args.ts", "a", "-n", "--x=1"]);
  equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  deepEqual(lines.map((l) => l.rank).sort(), [0, 1, 2, 3]);
  for (const l of lines) deepEqual([l.size, l.args], [4, ["a", "-n", "--x=1"]]);
});

Deno.test("cli: --tag-output prefixes every line with the rank", async () => {
  const r = await cli(["--tag-output", "--np", "2", "tests/programs/args.ts"]);
  equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n").sort();
  equal(lines.length, 2);
  match(lines[0], /^\[1,0\]<stdout>:\{"rank":0,/);
  match(lines[1], /^\[1,1\]<stdout>:\{"rank":1,/);
});

Deno.test("cli: bad usage prints the usage and exits 2", async () => {
  for (
    const args of [
      ["-n", "0", "tests/programs/args.ts"],
      ["-n", "x", "tests/programs/args.ts"],
      ["-n", "2"],
      ["--bogus", "tests/programs/args.ts"],
      ["-n", "2", "tests/programs/no_such_file.ts"],
      ["--timeout", "-1", "tests/programs/args.ts"],
    ]
  ) {
    const r = await cli(args);
    equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    match(r.stderr, /^spmd: .+\n\nUsage: spmd/, args.join(" "));
  }
  const help = await cli(["-h"]);
  equal(help.code, 0);
  match(help.stdout, /^Usage: spmd/);
});

Deno.test("cli: a rank that throws stops the job within 2 s, naming the rank", async () => {
  const r = await cli(["-n", "4", "tests/programs/throws.ts"]);
  equal(r.code, 1);
  match(r.stderr, /^rank 1: Error: boom from rank one \(4\)\n\s+at /m);
  match(r.stderr, /rank 0: blocked in recv\(source=1, tag=7, comm=0\)/);
  ok(r.ms < 2000 + 1500, `took ${r.ms} ms`); // 2 s plus Deno's own start-up
});

Deno.test("cli: a rank in a busy loop does not keep a failed job alive", async () => {
  const r = await cli(["-n", "3", "tests/programs/throws.ts", "busy"]);
  equal(r.code, 1);
  match(r.stderr, /^rank 1: Error: boom/m);
  match(r.stderr, /rank 2: (running user code|blocked in send)/); // it may still be leaving its last send
});

Deno.test("cli: comm.abort(3) exits 3 and says why", async () => {
  const r = await cli(["-n", "3", "tests/programs/abort.ts"]);
  equal(r.code, 3);
  match(r.stderr, /^rank 0: giving up on purpose/m);
});

Deno.test("cli: --timeout stops a hung job with 124 and tells what each rank waits for", async () => {
  const r = await cli(["-n", "3", "--timeout", "0.5", "tests/programs/hang.ts"]);
  equal(r.code, 124);
  match(r.stderr, /job timed out after 0\.5 s/);
  match(r.stderr, /rank 0: running user code/);
  for (let i = 1; i < 3; i++) match(r.stderr, new RegExp(`rank ${i}: blocked in recv\\(source=0, tag=7, comm=0\\)`));
});
