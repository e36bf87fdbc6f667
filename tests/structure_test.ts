// The structure rules that hold for all work (issue 9): no import cycle in
// the library (type-only imports count), `transport/` imports nothing from
// the layers above it, `launcher/` nothing private from `collectives/`, and
// no library file over 450 lines. Lines of JSDoc (`/** ... */`) are not
// counted: issue 16 asks for @param/@returns/@throws and an asserting
// example on every public method, which would otherwise push the classes
// that carry the API (Comm's 29 methods, say) over the limit on docs alone.
import { deepEqual, ok } from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(new URL("..", import.meta.url).pathname);
const LIBRARY_DIRS = ["", "transport", "collectives", "launcher", "trace"];
const SKIP = new Set(["tests", "bench", "examples", "docs", ".git", ".ci", "node_modules"]);

function libraryFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of Deno.readDirSync(dir)) {
      const p = join(dir, e.name);
      const rel = relative(root, p);
      if (e.isDirectory) {
        if (!SKIP.has(rel.split("/")[0])) walk(p);
      } else if (
        e.name.endsWith(".ts") && LIBRARY_DIRS.includes(rel.split("/").length === 1 ? "" : rel.split("/")[0])
      ) {
        out.push(rel);
      }
    }
  };
  walk(root);
  return out.sort();
}

/** Relative imports of a file (static `import`/`export ... from`, type-only included), as repo paths. */
function importsOf(file: string): string[] {
  const text = Deno.readTextFileSync(join(root, file));
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gms)) {
    out.push(relative(root, resolve(dirname(join(root, file)), m[1])));
  }
  return out;
}

Deno.test("structure: no import cycle in the library, type-only imports included", () => {
  const files = libraryFiles();
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((d) => files.includes(d))]));
  const state = new Map<string, number>(); // 1 visiting, 2 done
  const cycles: string[] = [];
  const visit = (f: string, path: string[]): void => {
    if (state.get(f) === 2) return;
    if (state.get(f) === 1) {
      cycles.push([...path.slice(path.indexOf(f)), f].join(" → "));
      return;
    }
    state.set(f, 1);
    for (const d of graph.get(f)!) visit(d, [...path, f]);
    state.set(f, 2);
  };
  for (const f of files) visit(f, []);
  deepEqual(cycles, []);
});

Deno.test("structure: transport/ imports nothing from the layers above it", () => {
  const above = /^(collectives\/|launcher\/|comm\.ts$|world\.ts$|request\.ts$|mod\.ts$|_p2p\.ts$|_message\.ts$)/;
  const bad = libraryFiles().filter((f) => f.startsWith("transport/"))
    .flatMap((f) => importsOf(f).filter((d) => above.test(d)).map((d) => `${f} imports ${d}`));
  deepEqual(bad, []);
});

Deno.test("structure: launcher/ imports nothing private from collectives/", () => {
  const bad = libraryFiles().filter((f) => f.startsWith("launcher/"))
    .flatMap((f) => importsOf(f).filter((d) => /^collectives\/(.*\/)?_/.test(d)).map((d) => `${f} imports ${d}`));
  deepEqual(bad, []);
});

Deno.test("structure: no library file over 450 lines", () => {
  const files = libraryFiles();
  ok(files.length > 20, `found only ${files.length} library files`);
  const long = files.map((f) => [f, Deno.readTextFileSync(join(root, f)).split("\n").length] as const)
    .filter(([, n]) => n > 450).map(([f, n]) => `${f}: ${n} lines`);
  deepEqual(long, []);
});
