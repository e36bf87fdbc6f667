// The compare report's placement lines (bench/compare/report.ts): one probe
// between two repeats of a job shows as a chain, a redone repeat as a pair of
// its own, and systems in different placements get the warning.
import assert from "node:assert/strict";
import { type CompareReport, renderTable } from "../bench/compare/report.ts";

function report(placements: CompareReport["placements"]): CompareReport {
  return {
    mode: "full",
    repeat: 3,
    minutes: 1,
    systems: [{ name: "spmd", version: "x", missing: null }, { name: "C MPI", version: "y", missing: null }],
    runs: [],
    failures: [],
    startup: [],
    scatter: [],
    placements,
  };
}

function placementLine(text: string): string {
  const line = text.split("\n").find((l) => l.startsWith("Placement:"));
  assert.ok(line !== undefined, `no placement line in:\n${text}`);
  return line;
}

Deno.test("compare report: each repeat's probes, chained where one probe sits between two repeats", () => {
  const job = "2 point-to-point";
  const text = renderTable(report([
    { system: "C MPI", before: 0.061, after: 0.062, job },
    { system: "C MPI", before: 0.062, after: 0.058, job },
    { system: "spmd", before: 0.064, after: 0.063, job },
    { system: "spmd", before: 0.071, after: 0.06, job }, // a repeat run again after a probe of its own
  ]));
  const line = placementLine(text);
  assert.match(line, /2 ranks, point-to-point: C MPI 0\.061 → 0\.062 → 0\.058, spmd 0\.064 → 0\.063, 0\.071 → 0\.060/);
  assert.doesNotMatch(text, /Not every system ran in the same placement/);
});

Deno.test("compare report: a repeat in another placement is flagged", () => {
  const job = "2 point-to-point";
  const text = renderTable(report([
    { system: "C MPI", before: 0.061, after: 0.062, job },
    { system: "spmd", before: 0.064, after: 0.31, job },
  ]));
  assert.match(text, /Not every system ran in the same placement in: 2 ranks, point-to-point/);
});
