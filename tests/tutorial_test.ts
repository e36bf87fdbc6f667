// docs/tutorial.md runs as written: every fenced block is marked by the HTML
// comment before it, and this test checks each one (the marks are described
// at the end of the tutorial):
//   <!-- file: PATH -->            ts block = the file PATH, character for character
//   <!-- run[: exit N | needs CMD] -->  sh block run with bash from the repo root
//   <!-- output[: any order, numbers vary] -->  text block found in the last run's output
// A block without a mark, or with a mark that does not fit it, fails.

import assert from "node:assert/strict";

const ROOT = new URL("..", import.meta.url).pathname;
const DOC = "docs/tutorial.md";
const TUTORIAL_DIR = "examples/tutorial";
/** Seconds a shell block may take before it is killed (the scatter blocks run three jobs). */
const RUN_LIMIT = 180;

/** A fenced block of the tutorial and the mark before it. */
interface Block {
  lang: string;
  /** The mark's text, between `<!--` and `-->`; null when there is none. */
  mark: string | null;
  body: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** The fenced blocks of `md`, each with the HTML comment on the nearest non-blank line before it. */
function parseBlocks(md: string): Block[] {
  const lines = md.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (open === null) continue;
    let j = i - 1;
    while (j >= 0 && lines[j].trim() === "") j--;
    const mark = j >= 0 ? /^<!--\s*(.*?)\s*-->$/.exec(lines[j].trim()) : null;
    const start = i;
    i++;
    while (i < lines.length && !/^```\s*$/.test(lines[i])) i++;
    if (i >= lines.length) throw new Error(`${DOC}:${start + 1}: fence never closed`);
    blocks.push({
      lang: open[1],
      mark: mark?.[1] ?? null,
      body: lines.slice(start + 1, i).join("\n"),
      line: start + 1,
    });
  }
  return blocks;
}

/** What a `run` mark asks for. */
interface RunMark {
  exit: number;
  needs: string | null;
}

/** What an `output` mark asks for. */
interface OutputMark {
  anyOrder: boolean;
  numbersVary: boolean;
}

function parseRun(mark: string): RunMark | null {
  const m = /^run(?::\s*(?:exit (\d+)|needs (\S+)))?$/.exec(mark);
  return m === null ? null : { exit: m[1] === undefined ? 0 : Number(m[1]), needs: m[2] ?? null };
}

function parseOutput(mark: string): OutputMark | null {
  const m = /^output(?::\s*(.*))?$/.exec(mark);
  if (m === null) return null;
  const opts = m[1] === undefined ? [] : m[1].split(",").map((s) => s.trim());
  if (opts.some((o) => o !== "any order" && o !== "numbers vary")) return null;
  return { anyOrder: opts.includes("any order"), numbersVary: opts.includes("numbers vary") };
}

/** A shell block and the output blocks that follow it. */
interface Run {
  block: Block;
  mark: RunMark;
  outputs: { block: Block; mark: OutputMark }[];
}

/** Reads the tutorial; throws listing every block whose mark is missing or does not fit. */
function plan(): { files: { block: Block; path: string }[]; runs: Run[] } {
  const blocks = parseBlocks(Deno.readTextFileSync(ROOT + DOC));
  const problems: string[] = [];
  const files: { block: Block; path: string }[] = [];
  const runs: Run[] = [];
  for (const b of blocks) {
    const where = `${DOC}:${b.line} (\`\`\`${b.lang})`;
    if (b.mark === null) {
      problems.push(`${where}: no <!-- file/run/output --> mark before it`);
      continue;
    }
    if (b.lang === "ts") {
      const m = /^file: (\S+)$/.exec(b.mark);
      if (m === null) problems.push(`${where}: a ts block needs <!-- file: PATH -->, got <!-- ${b.mark} -->`);
      else files.push({ block: b, path: m[1] });
    } else if (b.lang === "sh") {
      const mark = parseRun(b.mark);
      if (mark === null) {
        problems.push(`${where}: a sh block needs <!-- run[: exit N | needs CMD] -->, got <!-- ${b.mark} -->`);
      } else runs.push({ block: b, mark, outputs: [] });
    } else if (b.lang === "text") {
      const mark = parseOutput(b.mark);
      if (mark === null) {
        problems.push(
          `${where}: a text block needs <!-- output[: any order, numbers vary] -->, got <!-- ${b.mark} -->`,
        );
      } else if (runs.length === 0) problems.push(`${where}: an output block before any run block`);
      else runs[runs.length - 1].outputs.push({ block: b, mark });
    } else {
      problems.push(`${where}: blocks are ts (a file), sh (run) or text (output), got "${b.lang}"`);
    }
  }
  // Every tutorial program is shown, and every program shown is run.
  const shown = new Set(files.map((f) => f.path));
  for (const e of Deno.readDirSync(ROOT + TUTORIAL_DIR)) {
    const path = `${TUTORIAL_DIR}/${e.name}`;
    if (!shown.has(path)) problems.push(`${path} is not shown in ${DOC}`);
  }
  for (const f of files) {
    if (!runs.some((r) => r.block.body.includes(f.path))) problems.push(`${f.path} is shown but no run block runs it`);
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return { files, runs };
}

const { files, runs } = plan();

Deno.test("tutorial: every block is marked, every tutorial program shown and run", () => {
  assert.ok(files.length >= 8 && runs.length >= 10, `${files.length} files, ${runs.length} runs`);
});

for (const { block, path } of files) {
  Deno.test(`tutorial: ${DOC}:${block.line} is ${path} verbatim`, () => {
    assert.equal(block.body + "\n", Deno.readTextFileSync(ROOT + path));
  });
}

/** Escapes `s` for a RegExp. */
function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A regex for one expected line: `...` is any text; with `numbersVary`, numbers, bars and spacing are free. */
function linePattern(expected: string, numbersVary: boolean): RegExp {
  const part = (text: string): string => {
    if (!numbersVary) return escape(text);
    let out = "";
    let last = 0;
    for (const m of text.matchAll(/-?\d+(?:\.\d+)?|[█·]+| +/g)) {
      out += escape(text.slice(last, m.index));
      out += m[0].startsWith(" ") ? " *" : /[█·]/.test(m[0]) ? "[█·]+" : "-?\\d+(?:\\.\\d+)?";
      last = m.index + m[0].length;
    }
    return out + escape(text.slice(last));
  };
  return new RegExp(`^${expected.split("...").map(part).join(".*")}$`);
}

/** Checks that the lines of `expected` occur in `actual` as the output mark says; returns the problem, or null. */
function findOutput(expected: string, mark: OutputMark, actual: string[]): string | null {
  const want = expected.split("\n").map((l) => l.trimEnd()).filter((l) => l !== "");
  if (mark.anyOrder) {
    const used = new Set<number>();
    for (const w of want) {
      if (w === "...") continue;
      const re = linePattern(w, mark.numbersVary);
      const i = actual.findIndex((a, k) => !used.has(k) && re.test(a));
      if (i < 0) return `no line of the output matches "${w}"`;
      used.add(i);
    }
    return null;
  }
  // In order: lines one after the other, except where a "..." line allows a gap.
  const match = (w: number, a: number): boolean => {
    if (w === want.length) return true;
    if (want[w] === "...") {
      for (let k = a; k <= actual.length; k++) if (match(w + 1, k)) return true;
      return false;
    }
    return a < actual.length && linePattern(want[w], mark.numbersVary).test(actual[a]) && match(w + 1, a + 1);
  };
  for (let start = 0; start < actual.length; start++) if (match(0, start)) return null;
  return "its lines do not occur in the output, in this order";
}

/** Whether `cmd` is found on the PATH. */
function installed(cmd: string): boolean {
  return new Deno.Command("bash", { args: ["-c", `command -v ${cmd}`], stdout: "null", stderr: "null" }).outputSync()
    .success;
}

const PATH = `${Deno.execPath().replace(/\/[^/]*$/, "")}:${Deno.env.get("PATH") ?? ""}`;

for (const { block, mark, outputs } of runs) {
  const first = block.body.split("\n")[0];
  Deno.test({
    name: `tutorial: ${DOC}:${block.line} $ ${first}`,
    ignore: mark.needs !== null && !installed(mark.needs),
    async fn() {
      // timeout(1) kills the whole process group (bash and the deno it started) with SIGKILL: status 137.
      const out = await new Deno.Command("timeout", {
        args: ["--signal=KILL", String(RUN_LIMIT), "bash", "-e", "-o", "pipefail", "-c", block.body],
        cwd: ROOT,
        env: { PATH },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const dec = new TextDecoder();
      const stdout = dec.decode(out.stdout);
      const stderr = dec.decode(out.stderr);
      const shown = `--- stdout\n${stdout}--- stderr\n${stderr}`;
      assert.notEqual(out.code, 137, `${DOC}:${block.line}: still running after ${RUN_LIMIT} s, killed\n${shown}`);
      assert.equal(
        out.code,
        mark.exit,
        `${DOC}:${block.line}: exit status ${out.code}, expected ${mark.exit}\n${shown}`,
      );
      const lines = (stdout + stderr).split("\n").map((l) => l.trimEnd());
      for (const o of outputs) {
        const problem = findOutput(o.block.body, o.mark, lines);
        assert.equal(problem, null, `${DOC}:${o.block.line}: ${problem}\n${shown}`);
      }
    },
  });
}

Deno.test("tutorial: the output matcher is strict", () => {
  const plain = { anyOrder: false, numbersVary: false };
  const actual = ["a 1", "b 2", "c 3"];
  assert.equal(findOutput("a 1\nb 2", plain, actual), null);
  assert.notEqual(findOutput("a 1\nc 3", plain, actual), null); // not adjacent
  assert.equal(findOutput("a 1\n...\nc 3", plain, actual), null);
  assert.notEqual(findOutput("b 2\na 1", plain, actual), null); // order
  assert.equal(findOutput("b 2\na 1", { anyOrder: true, numbersVary: false }, actual), null);
  assert.notEqual(findOutput("a 9", plain, actual), null);
  assert.equal(findOutput("a 9\nb 10", { anyOrder: false, numbersVary: true }, actual), null);
  assert.equal(findOutput("c...3", plain, actual), null);
  assert.notEqual(findOutput("x...3", plain, actual), null);
  assert.ok(linePattern("   0  ███··", true).test(" 12  █····"));
  assert.ok(!linePattern("0.5 s", true).test("fast"));
});
