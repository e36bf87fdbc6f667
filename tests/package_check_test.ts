/**
 * Tests of .ci/package_check.ts, CI's guard of the published package: how it reads `deno publish --dry-run` output
 * (diagnostics as Deno 2.9 prints them, with and without colour), what it lets through, and one real dry run and doc
 * lint of this package.
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  ALLOWED,
  checkPackage,
  parseDiagnostics,
  problems,
  publishedFiles,
  relativeLinks,
} from "../.ci/package_check.ts";

const ROOT = "/pkg";

// What deno 2.9's `deno publish --dry-run` printed for this package (NO_COLOR), shortened.
const CLEAN = `Check mod.ts
Check cli.ts
Checking for slow types in the public API...
warning[unanalyzable-dynamic-import]: unable to analyze dynamic import
   --> /pkg/cli.ts:140:16
    | 
140 |   await import(module);
    |                ^^^^^^ the unanalyzable dynamic import
    | 

  info: after publishing this package, imports from the local import map / package.json do not work
  info: make sure the dynamic import is resolvable at runtime without an import map / package.json

warning[unanalyzable-dynamic-import]: unable to analyze dynamic import
   --> /pkg/launcher/rank/_bootstrap.ts:182:18
    | 
182 |     await import(init.module);
    |                  ^^^^^^^^^^^ the unanalyzable dynamic import
    | 

  info: after publishing this package, imports from the local import map / package.json do not work

Simulating publish of @spmd/spmd@0.2.0 with files:
   file:///pkg/CHANGELOG.md (3.8KB)
   file:///pkg/LICENSE (1.05KB)
   file:///pkg/README.md (91.85KB)
   file:///pkg/bench/results/p2p.svg (22.4KB)
   file:///pkg/cli.ts (10.57KB)
   file:///pkg/deno.json (972B)
   file:///pkg/errors.ts (3.57KB)
   file:///pkg/launcher/rank/_bootstrap.ts (6.29KB)
   file:///pkg/mod.ts (2.26KB)
Success Dry run complete
`;

// A package with a slow type, no license and a third dynamic import (from a scratch package, paths changed).
const BROKEN = `Check mod.ts
Checking for slow types in the public API...
error[missing-explicit-return-type]: missing explicit return type in the public API
 --> /pkg/mod.ts:2:17
  | 
2 | export function f(a: number) { return a + 1; }
  |                 ^ this function is missing an explicit return type
  | 
  = hint: add an explicit return type to the function

error[missing-license]: missing license field or file
 --> /pkg/deno.json
  = hint: add a "license" field. Alternatively, add a LICENSE file to the package and ensure it is not ignored from being published

warning[unanalyzable-dynamic-import]: unable to analyze dynamic import
 --> /pkg/mod.ts:4:66
  | 
4 | export async function g(m: string): Promise<void> { await import(m); }
  |                                                                  ^ the unanalyzable dynamic import
  | 

error: Found 2 problems
`;

const REQUIRED = ["mod.ts", "cli.ts", "deno.json", "README.md", "LICENSE", "CHANGELOG.md"];

Deno.test("parseDiagnostics: the two allowed dynamic imports, with file, line and source", () => {
  const d = parseDiagnostics(CLEAN, ROOT);
  deepEqual(d.map((x) => [x.level, x.code, x.file, x.line, x.source]), [
    ["warning", "unanalyzable-dynamic-import", "cli.ts", 140, "await import(module);"],
    ["warning", "unanalyzable-dynamic-import", "launcher/rank/_bootstrap.ts", 182, "await import(init.module);"],
  ]);
  // Coloured output (deno without NO_COLOR) reads the same.
  const coloured = CLEAN
    .replace(/warning\[/g, "\x1b[0m\x1b[1m\x1b[33mwarning\x1b[0m[")
    .replace(/--> /g, "\x1b[38;5;12m-->\x1b[0m ");
  deepEqual(parseDiagnostics(coloured, ROOT), d);
});

Deno.test("parseDiagnostics: errors, a location without a line, the closing error line", () => {
  const d = parseDiagnostics(BROKEN, ROOT);
  deepEqual(d.map((x) => [x.level, x.code, x.file, x.line]), [
    ["error", "missing-explicit-return-type", "mod.ts", 2],
    ["error", "missing-license", "deno.json", undefined],
    ["warning", "unanalyzable-dynamic-import", "mod.ts", 4],
    ["error", "", undefined, undefined],
  ]);
  equal(d[2].source, "export async function g(m: string): Promise<void> { await import(m); }");
});

Deno.test("publishedFiles and relativeLinks", () => {
  const files = publishedFiles(CLEAN, ROOT);
  equal(files.length, 9);
  equal(files[0], "CHANGELOG.md");
  equal(files[7], "launcher/rank/_bootstrap.ts");
  deepEqual(publishedFiles(BROKEN, ROOT), []);
  deepEqual(
    relativeLinks(
      "![a](docs/img/a.svg) [b](#anchor) [c](https://x.org/c.png) [d](./CONTRIBUTING.md#set-up) " +
        '[e](docs/tutorial.md "title") [f](mailto:x@y) ![a again](docs/img/a.svg)',
    ),
    ["docs/img/a.svg", "CONTRIBUTING.md", "docs/tutorial.md"],
  );
});

Deno.test("problems: none for the clean run; each kind of fault named", () => {
  const files = publishedFiles(CLEAN, ROOT);
  deepEqual(problems(parseDiagnostics(CLEAN, ROOT), files, { required: REQUIRED }), []);

  const broken = problems(parseDiagnostics(BROKEN, ROOT), [], { required: REQUIRED });
  match(broken[0], /^not allowed: error\[missing-explicit-return-type\].* at mod\.ts:2 \(export function f/);
  match(broken[1], /^not allowed: error\[missing-license\].* at deno\.json$/);
  match(broken[2], /^not allowed: warning\[unanalyzable-dynamic-import\].* at mod\.ts:4 /);
  match(broken[3], /^not allowed: error: Found 2 problems$/);
  // Output in which the allowed diagnostics are not found fails: a changed format must not pass by reading nothing.
  ok(broken.some((p) => /^expected, not printed: unanalyzable-dynamic-import at cli\.ts/.test(p)));
  ok(broken.some((p) => /^no file list in the output/.test(p)));
  ok(broken.some((p) => p === "not published, but needed: LICENSE"));

  // An allowed diagnostic printed twice (as a second copy of the same line in that file would be).
  const first = CLEAN.indexOf("warning[");
  const twice = parseDiagnostics(CLEAN + CLEAN.slice(first, CLEAN.indexOf("warning[", first + 1)), ROOT);
  deepEqual(problems(twice, files, { required: REQUIRED }), [
    "allowed once, printed more than once: unanalyzable-dynamic-import at cli.ts (await import(module);)",
  ]);

  // The same dynamic import moved to another file is not allowed: the allowance is per location.
  const moved = parseDiagnostics(CLEAN.replace("/pkg/cli.ts:140", "/pkg/world.ts:140"), ROOT);
  const p = problems(moved, files, { required: REQUIRED });
  match(p[0], /^not allowed: warning\[unanalyzable-dynamic-import\].* at world\.ts:140 \(await import\(module\);\)/);

  // Files: tests, CI and benchmark code are not published; README's plots in bench/results are.
  deepEqual(
    problems(
      parseDiagnostics(CLEAN, ROOT),
      [...files, "tests/a_test.ts", ".ci/run", "bench/p2p_bench.ts", "deno.lock"],
      {
        required: [...REQUIRED, "docs/tutorial.md"],
      },
    ),
    [
      "not published, but needed: docs/tutorial.md",
      "published, but should not be: tests/a_test.ts",
      "published, but should not be: .ci/run",
      "published, but should not be: bench/p2p_bench.ts",
      "published, but should not be: deno.lock",
    ],
  );
  equal(ALLOWED.length, 2);
});

Deno.test("this package: deno doc --lint over deno.json's exports and deno publish --dry-run are clean", async () => {
  const root = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
  deepEqual(await checkPackage(root), []);
});
