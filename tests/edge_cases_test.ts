// Values, buffers and options at the edges: each either arrives intact or
// fails with an SpmdError naming the call, and nothing is lost or doubled.
import { equal, match, ok, rejects } from "node:assert/strict";
import { spawn } from "../mod.ts";
import { run } from "./_util.ts";

const prog = new URL("./programs/edge_values.ts", import.meta.url);

Deno.test("strings with lone surrogates arrive unchanged, bare or inside objects", async () => {
  for (const size of [1, 2, 3]) await run("edge_values.ts", size, ["surrogates"]);
});

Deno.test("a detached buffer is refused by name in point-to-point calls and collectives, on every rank", async () => {
  for (const size of [1, 2, 3, 4]) await run("edge_values.ts", size, ["detached"]);
});

Deno.test("a value nested too deeply to rebuild fails the receive by name, and the next message arrives", async () => {
  for (const size of [1, 2]) await run("edge_values.ts", size, ["deep"]);
});

Deno.test("self-sends count against the unexpected-queue bound", async () => {
  await spawn(prog, { size: 1, args: ["self-bound"], timeout: 60, unexpectedBytes: 1 << 20 });
});

Deno.test("after a caught bound error every flooded message is received exactly once, in order", async () => {
  for (let i = 0; i < 5; i++) {
    await spawn(prog, { size: 2, args: ["bound-then-drain"], timeout: 60, unexpectedBytes: 1 << 20 });
  }
});

Deno.test("a send's request gives undefined; PROC_NULL requests complete with a PROC_NULL status", async () => {
  for (const size of [1, 2, 3]) await run("edge_values.ts", size, ["request-results"]);
});

Deno.test("spawn quotes bad option values so their type shows", async () => {
  await rejects(spawn(prog, { size: "2" as unknown as number }), /^RangeError: spawn: size must be .* got "2"$/);
  await rejects(spawn(prog, { size: 2, timeout: "5" as unknown as number }), /timeout must be .* got "5"$/);
});

Deno.test("spawn takes a relative path from a directory whose name has #, % and spaces", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "spmd #1 %20 x " });
  const modUrl = new URL("../mod.ts", import.meta.url).href;
  Deno.writeTextFileSync(
    `${dir}/hello world #2.ts`,
    `import { world } from ${JSON.stringify(modUrl)};\n` +
      `const c = world();\nif (c.allreduce(1) !== c.size) throw new Error("allreduce");\n`,
  );
  const cwd = Deno.cwd();
  try {
    Deno.chdir(dir);
    await spawn("hello world #2.ts", { size: 2, timeout: 60 });
    await spawn("./hello world #2.ts", { size: 1, timeout: 60 });
  } finally {
    Deno.chdir(cwd);
    Deno.removeSync(dir, { recursive: true });
  }
  ok(true);
});

Deno.test("spawn still takes file: URLs as strings", async () => {
  const r = spawn(prog.href, { size: 1, args: ["surrogates"], timeout: 60 });
  equal(await r, undefined);
  match(prog.href, /^file:/);
});
