// The JSDoc examples of the public API (issue 16, point 2). `deno test --doc`
// runs every example as one rank (a program run outside the launcher gets a
// world of size 1); this file runs the same examples at 2 and 4 ranks, and
// checks that every exported symbol, and every public method users call, has
// an example.
//
// The examples come from `deno doc --json mod.ts`: each ```ts block of a
// symbol's or member's JSDoc (blocks marked `ts ignore` are skipped; they say
// why they cannot run). Each is written to a temporary module with
// "@spmd/spmd" rewritten to this checkout's mod.ts, and one driver program
// imports them in turn on every rank, with a barrier between two, so one job
// per rank count runs them all. A failing example fails the job, and the
// driver names it.
import { deepEqual, ok } from "node:assert/strict";
import { spawn } from "../mod.ts";

const root = new URL("..", import.meta.url);

/** A JSDoc as `deno doc --json` gives it. */
interface JsDoc {
  doc?: string;
  tags?: { kind: string; doc?: string }[];
}
/** A member of a class or interface in `deno doc --json`. */
interface Member {
  name: string;
  kind?: string;
  jsDoc?: JsDoc;
  accessibility?: string;
  isStatic?: boolean;
}
/** A declaration of an exported symbol in `deno doc --json`. */
interface Declaration {
  kind: string;
  jsDoc?: JsDoc;
  def?: { methods?: Member[]; properties?: Member[] };
}

/**
 * Public members that are not for users: plumbing that `Comm`'s parts share
 * (issue 16 takes them off the public surface). They need no example.
 */
const INTERNAL = new Set([
  "PointToPoint.checkLive",
  "PointToPoint.markFreed",
  "PointToPoint.worldRank",
  "PointToPoint.localRank",
  "PointToPoint.members",
  "BufferCollectives.collFor",
  "Request.transport",
  "Request.context",
]);

/**
 * Symbols and methods allowed to lack an example, each with the reason in a
 * comment beside it. Empty: every one has an example now (issue 16, point
 * 2), so a new export without one fails the test. The test also fails when
 * an entry gets an example, so the list only shrinks.
 */
const TODO = new Set<string>([]);

/** Every exported symbol and member with its JSDoc, labelled `Symbol` or `Symbol.member`. */
async function docs(): Promise<{ label: string; method: boolean; jsDoc: JsDoc | undefined }[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", "mod.ts"],
    cwd: root,
    stdout: "piped",
    stderr: "inherit",
    signal: AbortSignal.timeout(60_000),
  }).output();
  ok(out.success, "deno doc --json mod.ts failed");
  const json = JSON.parse(new TextDecoder().decode(out.stdout));
  const symbols: { name: string; declarations: Declaration[] }[] = Object.values(json.nodes as object)[0].symbols;
  const res: { label: string; method: boolean; jsDoc: JsDoc | undefined }[] = [];
  for (const s of symbols) {
    for (const d of s.declarations) {
      res.push({ label: s.name, method: false, jsDoc: d.jsDoc });
      if (d.kind !== "class") continue;
      for (const m of d.def?.methods ?? []) {
        if (m.accessibility === "protected" || m.accessibility === "private") continue;
        res.push({ label: `${s.name}.${m.name}`, method: m.kind === "method", jsDoc: m.jsDoc });
      }
      for (const p of d.def?.properties ?? []) {
        res.push({ label: `${s.name}.${p.name}`, method: false, jsDoc: p.jsDoc });
      }
    }
  }
  return res;
}

/** The code blocks of a JSDoc: `lang` is the fence's info string ("ts", "ts ignore", ...). */
function blocks(jsDoc: JsDoc | undefined): { lang: string; code: string }[] {
  if (jsDoc === undefined) return [];
  const texts = [jsDoc.doc ?? "", ...(jsDoc.tags ?? []).filter((t) => t.kind === "example").map((t) => t.doc ?? "")];
  return texts.flatMap((t) =>
    [...t.matchAll(/^```([^\n]*)\n([\s\S]*?)^```/gm)].map((m) => ({ lang: m[1].trim(), code: m[2] }))
  );
}

const all = await docs();
const runnable: { label: string; code: string }[] = [];
const seen = new Set<string>();
for (const { label, jsDoc } of all) {
  for (const b of blocks(jsDoc)) {
    if (!/^(ts|typescript)$/.test(b.lang) || seen.has(b.code)) continue;
    seen.add(b.code);
    runnable.push({ label, code: b.code });
  }
}

Deno.test("doc examples: every exported symbol and every public method users call has an example", () => {
  const missing = all.filter(({ label, method, jsDoc }) =>
    (!label.includes(".") || method) && !INTERNAL.has(label) && blocks(jsDoc).length === 0
  ).map((d) => d.label);
  if (Deno.env.get("SPMD_DOC_MISSING")) console.log(JSON.stringify(missing));
  deepEqual(missing.filter((l) => !TODO.has(l)), []);
  deepEqual([...TODO].filter((l) => !missing.includes(l)), [], "documented now: remove these from TODO");
});

/** Writes the examples and their driver into a temporary directory; returns the driver's URL. */
function writeDriver(): URL {
  const dir = Deno.makeTempDirSync({ prefix: "spmd_doc_examples_" });
  const mod = new URL("mod.ts", root).href;
  const cli = new URL("cli.ts", root).href;
  const list: string[] = [];
  runnable.forEach(({ label, code }, i) => {
    const file = `example_${String(i).padStart(3, "0")}.ts`;
    const src = code.replaceAll('"@spmd/spmd/cli"', JSON.stringify(cli)).replaceAll(
      '"@spmd/spmd"',
      JSON.stringify(mod),
    );
    Deno.writeTextFileSync(`${dir}/${file}`, src);
    list.push(`  [${JSON.stringify(label)}, "./${file}"],`);
  });
  Deno.writeTextFileSync(
    `${dir}/driver.ts`,
    `import { world } from ${JSON.stringify(mod)};
const examples: [string, string][] = [
${list.join("\n")}
];
const comm = world();
for (const [label, file] of examples) {
  comm.barrier();
  try {
    await import(file);
  } catch (e) {
    throw new Error(\`the example of \${label} (\${file}) failed on rank \${comm.rank}: \${(e as Error)?.stack ?? e}\`);
  }
}
comm.barrier();
`,
  );
  return new URL(`file://${dir}/driver.ts`);
}

for (const size of [2, 4]) {
  Deno.test(`doc examples: all ${runnable.length} run at ${size} ranks`, async () => {
    const driver = writeDriver();
    try {
      await spawn(driver, { size, timeout: 120 });
    } finally {
      Deno.removeSync(new URL(".", driver), { recursive: true });
    }
  });
}
