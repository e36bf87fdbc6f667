/**
 * CI's guard of the published package (run by `.ci/run`; `deno run -A .ci/package_check.ts`):
 *
 * 1. `deno doc --lint` over every entry point deno.json exports (so a new export is covered without editing CI);
 * 2. `deno publish --dry-run`, failing on any diagnostic except the launcher's two intentional dynamic imports
 *    ({@linkcode ALLOWED}: the user's program, known only at run time; they must be printed, so that a change in the
 *    output's format cannot make the check pass by reading nothing), and on a file list that lacks what a user
 *    needs (the exported modules, README, LICENSE, CHANGELOG, every file the README links to) or carries the tests,
 *    the benchmarks, CI or a lock file.
 *
 * The parsing is pure and exported for tests/package_check_test.ts.
 *
 * @module
 */

import { relative } from "node:path";
import { fileURLToPath } from "node:url";

/** One diagnostic of `deno publish` (`warning[code]: message` followed by `--> file:line:col` and the source line). */
export interface Diagnostic {
  /** `warning` or `error`. */
  level: string;
  /** The code in brackets (`unanalyzable-dynamic-import`), or "" for a diagnostic without one. */
  code: string;
  /** The first line of the diagnostic as printed. */
  text: string;
  /** The file the diagnostic points at, relative to the package root, when it points at one. */
  file?: string;
  /** Its 1-based line. */
  line?: number;
  /** That source line, trimmed. */
  source?: string;
}

/** A diagnostic allowed in the dry run: its code, file and source line (lines move, the source text does not). */
export interface Allowed {
  /** The diagnostic code. */
  code: string;
  /** The file, relative to the package root. */
  file: string;
  /** The source line it points at, trimmed. */
  source: string;
}

/**
 * The only diagnostics the dry run may print: the two dynamic imports of the user's program, which `deno publish`
 * cannot analyze because the module is named on the command line (or in `spawn`) and known only at run time. Each is
 * explained by a comment where it happens.
 */
export const ALLOWED: readonly Allowed[] = [
  { code: "unanalyzable-dynamic-import", file: "cli.ts", source: "await import(module);" },
  { code: "unanalyzable-dynamic-import", file: "launcher/rank/_bootstrap.ts", source: "await import(init.module);" },
];

// deno publish's diagnostics: "warning[code]: message" / "error[code]: message", and log lines "Warning ..." /
// "error: ..." without a code. Matched case-insensitively at the start of a line.
const HEAD = /^(warning|error)(?:\[([\w-]+)\])?(?::|\s|$)/i;
const LOCATION = /^\s*-->\s*(.+?)(?::(\d+):(\d+))?\s*$/;
const SOURCE = /^\s*(\d+)\s*\|\s?(.*)$/;

function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex -- ANSI colour codes start with ESC
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

function toRelative(file: string, root: string): string {
  const path = file.startsWith("file://") ? fileURLToPath(file) : file;
  return relative(root, path).replaceAll("\\", "/");
}

/**
 * The diagnostics in `deno publish` output (stdout and stderr together; colours are stripped).
 *
 * @param output what `deno publish --dry-run` printed
 * @param root the package root, absolute, to make file paths relative
 * @returns every warning and error, in order
 */
export function parseDiagnostics(output: string, root: string): Diagnostic[] {
  const lines = stripAnsi(output).split("\n");
  const found: Diagnostic[] = [];
  for (let i = 0; i < lines.length; i++) {
    const head = HEAD.exec(lines[i]);
    if (head === null) continue;
    const d: Diagnostic = { level: head[1].toLowerCase(), code: head[2] ?? "", text: lines[i].trim() };
    // The location, if any, is on one of the next lines, before a blank line or the next diagnostic.
    for (let j = i + 1; j < lines.length && j <= i + 3 && !HEAD.test(lines[j]); j++) {
      const loc = LOCATION.exec(lines[j]);
      if (loc === null) continue;
      d.file = toRelative(loc[1], root);
      if (loc[2] === undefined) break; // a file, not a line (deno.json)
      d.line = Number(loc[2]);
      for (let k = j + 1; k < lines.length && k <= j + 6 && !HEAD.test(lines[k]); k++) {
        const src = SOURCE.exec(lines[k]);
        if (src !== null && Number(src[1]) === d.line) {
          d.source = src[2].trim();
          break;
        }
      }
      break;
    }
    found.push(d);
  }
  return found;
}

/**
 * The files `deno publish --dry-run` would publish (the `file:///... (size)` lines after "Simulating publish").
 *
 * @param output what the dry run printed
 * @param root the package root, absolute
 * @returns paths relative to the root, as listed
 */
export function publishedFiles(output: string, root: string): string[] {
  const files: string[] = [];
  for (const line of stripAnsi(output).split("\n")) {
    const m = /^\s+(file:\/\/\S+)\s+\([^)]*\)\s*$/.exec(line);
    if (m !== null) files.push(toRelative(m[1], root));
  }
  return files;
}

/**
 * Relative link and image targets in a Markdown text (`[..](path)`, `![..](path)`), without anchors; absolute URLs,
 * `#anchors` and `mailto:` are left out.
 *
 * @param markdown the text
 * @returns the targets, each once
 */
export function relativeLinks(markdown: string): string[] {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("#")) continue;
    out.add(target.replace(/#.*$/, "").replace(/^\.\//, ""));
  }
  return [...out].filter((t) => t !== "");
}

/** What the dry run must show. */
export interface Expectations {
  /** Files that must be published (entry points, README, LICENSE, ...). */
  required: readonly string[];
  /** Diagnostics allowed (default {@linkcode ALLOWED}). */
  allowed?: readonly Allowed[];
}

/**
 * Everything wrong with a dry run: diagnostics not allowed, an allowed one printed twice or not at all (the check
 * reading nothing must not pass), files missing, files that should not be published.
 *
 * @param diagnostics from {@linkcode parseDiagnostics}
 * @param files from {@linkcode publishedFiles}
 * @param expect required files and allowed diagnostics
 * @returns one line per problem; empty when the package is fine
 */
export function problems(diagnostics: readonly Diagnostic[], files: readonly string[], expect: Expectations): string[] {
  const allowed = expect.allowed ?? ALLOWED;
  const out: string[] = [];
  const seen = new Map<Allowed, number>();
  for (const d of diagnostics) {
    const a = allowed.find((x) => x.code === d.code && x.file === d.file && x.source === d.source);
    if (a === undefined) {
      const line = d.line === undefined ? "" : `:${d.line}`;
      const at = d.file === undefined ? "" : ` at ${d.file}${line}${d.source ? ` (${d.source})` : ""}`;
      out.push(`not allowed: ${d.text}${at}`);
      continue;
    }
    seen.set(a, (seen.get(a) ?? 0) + 1);
    if (seen.get(a) === 2) out.push(`allowed once, printed more than once: ${a.code} at ${a.file} (${a.source})`);
  }
  for (const a of allowed) {
    if (!seen.has(a)) {
      out.push(
        `expected, not printed: ${a.code} at ${a.file} (${a.source}): if it is gone on purpose, drop it from ALLOWED; ` +
          "else deno publish's output changed and this check no longer reads its diagnostics",
      );
    }
  }
  if (files.length === 0) out.push("no file list in the output: the dry run did not get to 'Simulating publish'");
  const have = new Set(files);
  for (const f of expect.required) if (!have.has(f)) out.push(`not published, but needed: ${f}`);
  for (const f of files) {
    const benchPicture = /^bench\/results\/[^/]+\.svg$/.test(f); // README's plots
    const notPackage = /^(tests|\.ci)\//.test(f) || f === "deno.lock";
    if (notPackage || (f.startsWith("bench/") && !benchPicture)) out.push(`published, but should not be: ${f}`);
  }
  return out;
}

async function run(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    signal: AbortSignal.timeout(300_000), // a type check of the package takes seconds; never wait forever
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, output: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

/**
 * Runs both checks in the package at `root`.
 *
 * @param root the package root (where deno.json is)
 * @returns one line per problem; empty when the package is fine
 */
export async function checkPackage(root: string): Promise<string[]> {
  const denoJson = JSON.parse(await Deno.readTextFile(`${root}/deno.json`));
  const exports: Record<string, string> = typeof denoJson.exports === "string"
    ? { ".": denoJson.exports }
    : denoJson.exports;
  const entries = Object.values(exports).map((p) => p.replace(/^\.\//, ""));
  const out: string[] = [];

  console.log(`deno doc --lint ${entries.join(" ")}`);
  const lint = await run(["doc", "--lint", ...entries], root);
  if (lint.code !== 0) out.push(`deno doc --lint failed (exit ${lint.code}):\n${lint.output.trim()}`);

  console.log("deno publish --dry-run --allow-dirty");
  const pub = await run(["publish", "--dry-run", "--allow-dirty"], root);
  const diagnostics = parseDiagnostics(pub.output, root);
  const files = publishedFiles(pub.output, root);
  const readme = await Deno.readTextFile(`${root}/README.md`);
  const required = [...entries, "deno.json", "README.md", "LICENSE", "CHANGELOG.md", ...relativeLinks(readme)];
  out.push(...problems(diagnostics, files, { required }));
  if (pub.code !== 0) out.push(`deno publish --dry-run failed (exit ${pub.code})`);
  if (out.length > 0) console.log(pub.output.trim());
  const allowedSeen = diagnostics.filter((d) => ALLOWED.some((a) => a.file === d.file && a.source === d.source));
  console.log(
    `${files.length} files, ${diagnostics.length} diagnostics (${allowedSeen.length} allowed: ` +
      `${allowedSeen.map((d) => `${d.code} at ${d.file}:${d.line}`).join(", ") || "none"})`,
  );
  return out;
}

if (import.meta.main) {
  const root = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
  const found = await checkPackage(root);
  for (const p of found) console.error(`package check: ${p}`);
  if (found.length > 0) Deno.exit(1);
  console.log("package check: ok");
}
