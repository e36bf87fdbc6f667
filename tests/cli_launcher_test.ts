// The launcher as mpiexec users type it (issue 14) and run from a URL (issue 16):
// --timestamp-output, --output-filename, MPMD with ':', scripts given as URLs,
// the launcher itself loaded over HTTP, --v8-flags, and every way a rank writes output.

import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { parseCli } from "../launcher/_cli_args.ts";
import { scriptModule } from "../launcher/_cli_args.ts";
import { cli, type CliRun, deno as runDeno } from "./_util.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** Runs `deno <args>` in `cwd` with extra environment and a hard timeout (seconds). */
function deno(args: string[], cwd: string, env: Record<string, string> = {}, timeout = 60): Promise<CliRun> {
  return runDeno(args, { cwd, env: { NO_COLOR: "1", ...env }, timeout });
}

/** Serves the repository's files over HTTP on 127.0.0.1 (port 0: any free port) while `fn` runs. */
async function servingRepo<T>(fn: (base: string) => Promise<T>): Promise<T> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    if (path.split("/").includes("..")) return new Response("no", { status: 403 });
    try {
      const body = await Deno.readFile(ROOT + path.slice(1));
      const type = path.endsWith(".json") ? "application/json" : "application/typescript";
      return new Response(body, { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  try {
    return await fn(`http://127.0.0.1:${server.addr.port}/`);
  } finally {
    await server.shutdown();
  }
}

/** A temporary directory for `fn`, removed afterwards. */
async function inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = Deno.makeTempDirSync({ prefix: "spmd-cli-test-" });
  try {
    return await fn(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** What tests/programs/outputs.ts writes to stdout as rank `r` of 2, line by line. */
function outputsStdout(r: number): string[] {
  return [
    `log ${r} of world {"size":2}`,
    `[ "q" ] Map(1) { 1 => "a" }`,
    "two",
    "lines",
    "┌───────┬──────┐", // Deno's console.table, as the untagged run prints it
    "│ (idx) │ rank │",
    "├───────┼──────┤",
    `│     0 │    ${r} │`,
    "└───────┴──────┘",
    "group",
    "  indented",
    "{ a: [Object] }",
    "partial joined",
    "through writable",
    "no newline at the end",
  ];
}

/** What it writes to stderr, without the stack lines of console.trace. */
function outputsStderr(r: number): string[] {
  return [`error ${r}`, "warn", "Trace: trace", "stderr sync", "stderr async"];
}

/** The lines of `text` that start with `prefix`, without it (stack lines of a trace left out). */
function linesOf(text: string, prefix: string): string[] {
  return text.split("\n").filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length))
    .filter((l) => !l.startsWith("    at "));
}

Deno.test("parse: --timestamp-output and --output-filename (Open MPI's spellings too); bad values are named", () => {
  const o = parseCli(["--timestamp-output", "--output-filename", "out", "-n", "2", "app.ts"]);
  deepEqual([o.timestampOutput, o.outputFilename, o.tagOutput], [true, "out", false]);
  const s = parseCli(["-timestamp-output", "-output-filename", "dir", "-tag-output", "app.ts"]);
  deepEqual([s.timestampOutput, s.outputFilename, s.tagOutput], [true, "dir", true]);
  equal(parseCli(["app.ts"]).timestampOutput, false);
  equal(parseCli(["app.ts"]).outputFilename, undefined);
  throws(() => parseCli(["--output-filename", "", "app.ts"]), /--output-filename needs a directory, got ""/);
  throws(() => parseCli(["--output-filename", "-l", "app.ts"]), /--output-filename needs a directory, got "-l"/);
  throws(() => parseCli(["--output-filename"]), /option --output-filename needs a value/);
  throws(() => parseCli(["--timestamp-output=yes", "app.ts"]), /timestamp-output/);
});

Deno.test("parse: MPMD app contexts separated by ':'", () => {
  const o = parseCli(["--timeout", "9", "-n", "1", "master.ts", "a", ":", "-n", "3", "worker.ts", "b", "c"]);
  deepEqual(o.apps, [{ np: 1, script: "master.ts", args: ["a"] }, { np: 3, script: "worker.ts", args: ["b", "c"] }]);
  deepEqual([o.np, o.script, o.args, o.timeout], [4, "master.ts", ["a"], 9]);
  // each context's -n in any spelling, default 1; '--' before a script
  deepEqual(
    parseCli(["a.ts", ":", "b.ts", ":", "-np", "2", "c.ts", ":", "--np=2", "--", "-d.ts", "x"]).apps,
    [
      { np: 1, script: "a.ts", args: [] },
      { np: 1, script: "b.ts", args: [] },
      { np: 2, script: "c.ts", args: [] },
      { np: 2, script: "-d.ts", args: ["x"] },
    ],
  );
  equal(parseCli(["-n", "2", "a.ts", ":", "-c", "3", "b.ts"]).np, 5);
  deepEqual(parseCli(["-n", "2", "app.ts", "x"]).apps, [{ np: 2, script: "app.ts", args: ["x"] }]);
  throws(() => parseCli(["a.ts", ":"]), /app context 2 \(after ':'\) has no script/);
  throws(() => parseCli(["a.ts", ":", ":", "b.ts"]), /app context 2 \(after ':'\) has no script/);
  throws(() => parseCli(["-n", "2", ":", "b.ts"]), /no script before ':'/);
  throws(() => parseCli(["a.ts", ":", "-n", "0", "b.ts"]), /-n\/--np must be an integer in 1\.\.1024, got "0"/);
  throws(() => parseCli(["a.ts", ":", "-n"]), /option -n needs a value/);
  throws(
    () => parseCli(["a.ts", ":", "--timeout", "3", "b.ts"]),
    /--timeout: the job's options go before the first script; after ':' only -n N/,
  );
  throws(
    () => parseCli(["-n", "1000", "a.ts", ":", "-n", "100", "b.ts"]),
    /the app contexts add up to 1100 ranks \(1000 \+ 100\), more than 1024/,
  );
});

Deno.test("parse: --v8-flags, joined or not, several; a value that is no flag is named", () => {
  deepEqual(parseCli(["--v8-flags=--max-old-space-size=4096", "app.ts"]).v8Flags, ["--max-old-space-size=4096"]);
  deepEqual(parseCli(["--v8-flags", "--expose-gc,--stack-size=2000", "--v8-flags=--expose-gc", "app.ts"]).v8Flags, [
    "--expose-gc,--stack-size=2000",
    "--expose-gc",
  ]);
  deepEqual(parseCli(["app.ts", "--v8-flags=--x"]).v8Flags, []); // after the script: the program's
  throws(() => parseCli(["--v8-flags=expose-gc", "app.ts"]), /--v8-flags needs V8 flags .*, got "expose-gc"/);
  throws(() => parseCli(["--v8-flags=--a,b", "app.ts"]), /--v8-flags needs V8 flags .*, got "--a,b"/);
  throws(() => parseCli(["--v8-flags="]), /--v8-flags needs V8 flags .*, got ""/);
});

Deno.test("scripts: a path becomes its file URL; URLs and jsr:/npm: specifiers pass as given", () => {
  const cwd = Deno.cwd();
  deepEqual(scriptModule("a b#c%d.ts"), {
    href: `file://${cwd.split("/").map(encodeURIComponent).join("/")}/a%20b%23c%25d.ts`,
    local: `${cwd}/a b#c%d.ts`,
  });
  deepEqual(scriptModule("file:///tmp/x%20y.ts"), { href: "file:///tmp/x%20y.ts", local: "/tmp/x y.ts" });
  for (const s of ["https://example.com/app.ts", "http://127.0.0.1:8000/a.ts", "jsr:@scope/pkg/app", "npm:pkg@1/app"]) {
    deepEqual(scriptModule(s), { href: s, local: null });
  }
  deepEqual(scriptModule("my:app.ts").local, `${cwd}/my:app.ts`); // not a scheme spmd knows: a path
});

Deno.test("cli: bad values of the new options exit 2 with the usage", async () => {
  const file = Deno.makeTempFileSync();
  try {
    for (
      const [args, why] of [
        [
          ["--output-filename", file, "tests/programs/args.ts"],
          /--output-filename needs a directory, got ".*" \(a file\)/,
        ],
        [
          ["tests/programs/args.ts", ":", "tests/programs/no_such.ts"],
          /script not found: tests\/programs\/no_such\.ts/,
        ],
        [["tests/programs/args.ts", ":", "-l", "tests/programs/args.ts"], /-l: the job's options go before/],
        [["--v8-flags", "oops", "tests/programs/args.ts"], /--v8-flags needs V8 flags .*, got "oops"/],
      ] as const
    ) {
      const r = await cli([...args]);
      equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      match(r.stderr, why);
      match(r.stderr, /\n\nUsage: spmd/);
    }
  } finally {
    Deno.removeSync(file);
  }
});

Deno.test("cli: MPMD runs one world: rank 0 the master with its args, ranks 1..3 the worker with theirs", async () => {
  const r = await cli([
    "-n",
    "1",
    "tests/programs/mpmd_master.ts",
    "a",
    ":",
    "-n",
    "3",
    "tests/programs/mpmd_worker.ts",
    "b",
  ]);
  equal(r.code, 0, r.stderr);
  deepEqual(JSON.parse(r.stdout), {
    size: 4,
    all: [
      { program: "master", rank: 0, args: ["a"] },
      ...[1, 2, 3].map((rank) => ({ program: "worker", rank, args: ["b"] })),
    ],
  });
});

Deno.test("cli: --tag-output covers console.table/dir/trace/group and Deno.stdout/stderr writes, partial lines too", async () => {
  const r = await cli(["-l", "-n", "2", "tests/programs/outputs.ts"]);
  equal(r.code, 0, r.stderr);
  for (const rank of [0, 1]) {
    deepEqual(linesOf(r.stdout, `[1,${rank}]<stdout>:`), outputsStdout(rank));
    deepEqual(linesOf(r.stderr, `[1,${rank}]<stderr>:`), outputsStderr(rank));
    match(r.stderr, new RegExp(`\\[1,${rank}\\]<stderr>:    at .*outputs\\.ts:\\d+`)); // console.trace's stack, tagged
  }
  ok(r.stdout.split("\n").every((l) => l === "" || l.startsWith("[1,")), r.stdout);
  ok(r.stdout.endsWith("\n"));
});

Deno.test("cli: --timestamp-output puts the time before each line, before the tag with -l", async () => {
  const r = await cli(["--timestamp-output", "-l", "-n", "2", "tests/programs/outputs.ts"]);
  equal(r.code, 0, r.stderr);
  const stamp = /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\]/;
  const lines = r.stdout.trim().split("\n");
  ok(lines.every((l) => stamp.test(l)), r.stdout);
  const untimed = lines.map((l) => l.replace(stamp, "")).join("\n");
  for (const rank of [0, 1]) deepEqual(linesOf(untimed, `[1,${rank}]<stdout>:`), outputsStdout(rank));
  const alone = await cli(["--timestamp-output", "tests/programs/args.ts"]);
  equal(alone.code, 0, alone.stderr);
  match(alone.stdout, /^\[\d{4}-[^\]]+Z\]\{"rank":0,"size":1,"args":\[\]\}\n$/);
});

Deno.test("cli: --output-filename writes DIR/1/rank.N/stdout and stderr; nothing of the ranks on the terminal", async () => {
  await inTempDir(async (dir) => {
    const out = `${dir}/out`;
    const r = await cli(["--output-filename", out, "-n", "2", "tests/programs/outputs.ts"]);
    equal(r.code, 0, r.stderr);
    equal(r.stdout, "");
    equal(r.stderr, "");
    for (const rank of [0, 1]) {
      const stdout = Deno.readTextFileSync(`${out}/1/rank.${rank}/stdout`);
      equal(stdout, outputsStdout(rank).join("\n")); // as written: the last line has no newline
      const stderr = Deno.readTextFileSync(`${out}/1/rank.${rank}/stderr`);
      deepEqual(stderr.split("\n").filter((l) => l !== "" && !l.startsWith("    at ")), outputsStderr(rank));
    }
    // with -l the files hold tagged lines; a failing job's report still reaches the terminal
    const tagged = await cli(["-l", "--output-filename", out, "-n", "4", "tests/programs/throws.ts"]);
    equal(tagged.code, 1);
    equal(tagged.stdout, "");
    match(tagged.stderr, /^rank 1: Error: boom from rank one/m);
    const lines = Deno.readTextFileSync(`${out}/1/rank.0/stdout`).split("\n").filter((l) => l !== "");
    ok(lines.every((l) => l.startsWith("[1,0]<stdout>:")), lines.join("\n"));
  });
});

Deno.test("cli: scripts given as http: URLs, in MPMD contexts, are imported by their ranks", async () => {
  await servingRepo((base) =>
    inTempDir(async (dir) => {
      // The launcher from the same server, run in an empty directory: a local launcher would find the
      // repository's deno.json and write the remote modules into its lock file.
      const r = await deno(
        [
          "run",
          "-A",
          `${base}cli.ts`,
          "-l",
          "-n",
          "2",
          `${base}tests/programs/args.ts`,
          "x",
          ":",
          `${base}tests/programs/args.ts`,
          "y",
        ],
        dir,
        { DENO_DIR: `${dir}/deno_dir` },
      );
      equal(r.code, 0, r.stderr);
      deepEqual(r.stdout.trim().split("\n").sort(), [
        `[1,0]<stdout>:{"rank":0,"size":3,"args":["x"]}`,
        `[1,1]<stdout>:{"rank":1,"size":3,"args":["x"]}`,
        `[1,2]<stdout>:{"rank":2,"size":3,"args":["y"]}`,
      ]);
    })
  );
});

Deno.test("cli: the launcher itself loaded over HTTP (deno run -A http://.../cli.ts -n 2 app.ts)", async () => {
  await servingRepo((base) =>
    inTempDir(async (dir) => {
      Deno.writeTextFileSync(
        `${dir}/app.ts`,
        `import { world } from "${base}mod.ts";\n` +
          `const comm = world();\n` +
          `const all = comm.gather(Deno.args[0] + comm.rank);\n` +
          `if (all !== null) console.log(JSON.stringify({ size: comm.size, all }));\n`,
      );
      // A fresh DENO_DIR: nothing cached from an earlier run (or port) is reused.
      const r = await deno(["run", "-A", `${base}cli.ts`, "-n", "2", "app.ts", "r"], dir, {
        DENO_DIR: `${dir}/deno_dir`,
      });
      equal(r.code, 0, r.stderr);
      deepEqual(JSON.parse(r.stdout), { size: 2, all: ["r0", "r1"] });
      // a failing job is still reported by the supervisor loaded from the URL
      const bad = await deno(["run", "-A", `${base}cli.ts`, "-n", "2", "no_such.ts"], dir, {
        DENO_DIR: `${dir}/deno_dir`,
      });
      equal(bad.code, 2);
      match(bad.stderr, /spmd: script not found: no_such\.ts/);
    })
  );
});

Deno.test("cli: loaded from a URL, the launcher runs the job with the project's deno.json (its import map)", async () => {
  await servingRepo((base) =>
    inTempDir(async (dir) => {
      // what `deno add jsr:@spmd/spmd` leaves: a deno.json that maps the bare name; the program imports it
      Deno.writeTextFileSync(`${dir}/deno.json`, JSON.stringify({ imports: { "@spmd/spmd": `${base}mod.ts` } }));
      Deno.mkdirSync(`${dir}/src`);
      Deno.writeTextFileSync(
        `${dir}/src/app.ts`,
        `import { world } from "@spmd/spmd";\n` +
          `const comm = world();\n` +
          `const n = comm.allreduce(1);\n` +
          `if (comm.rank === 0) console.log(JSON.stringify({ n }));\n`,
      );
      // run from a subdirectory: the nearest deno.json above the working directory is the project's
      const r = await deno(["run", "-A", `${base}cli.ts`, "-n", "3", "app.ts"], `${dir}/src`, {
        DENO_DIR: `${dir}/deno_dir`,
      });
      equal(r.code, 0, r.stderr);
      deepEqual(JSON.parse(r.stdout), { n: 3 });
    })
  );
});

Deno.test("cli: --v8-flags reach the ranks through the supervised child; without --allow-run a note says not", async () => {
  const r = await cli(["--v8-flags=--expose-gc", "-n", "2", "tests/programs/v8_flag.ts"]);
  equal(r.code, 0, r.stderr);
  deepEqual(r.stdout.trim().split("\n").map((l) => JSON.parse(l).gc), ["function", "function"]);
  equal(r.stderr, "");
  const plain = await cli(["-n", "1", "tests/programs/v8_flag.ts"]);
  equal(JSON.parse(plain.stdout).gc, "undefined");
  const unsupervised = await deno(
    ["run", "--allow-read", "--allow-env", `${ROOT}cli.ts`, "--v8-flags=--expose-gc", "tests/programs/v8_flag.ts"],
    ROOT,
  );
  equal(unsupervised.code, 0, unsupervised.stderr);
  equal(JSON.parse(unsupervised.stdout).gc, "undefined");
  match(unsupervised.stderr, /spmd: --v8-flags --expose-gc not applied: .*--allow-run and --allow-write/);
});
