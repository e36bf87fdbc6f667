// The compare report's placement lines (bench/compare/report.ts): one probe
// between two repeats of a job shows as a chain, a redone repeat as a pair of
// its own, and systems in different placements get the warning; and (full mode, where C MPI is installed) a failed
// job is not run again by the pass that matches placements.
import assert from "node:assert/strict";
import { type CompareReport, renderTable } from "../bench/compare/report.ts";
import { deno } from "./_util.ts";

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

/** True when `bin` is on PATH. */
function onPath(bin: string): boolean {
  return (Deno.env.get("PATH") ?? "").split(":").some((dir) => {
    try {
      return dir !== "" && Deno.statSync(`${dir}/${bin}`).isFile;
    } catch {
      return false;
    }
  });
}

Deno.test({
  name: "compare (full mode): a job that failed is neither run again by the fix-up pass nor reported twice",
  ignore: !onPath("mpicc.openmpi") || !onPath("mpirun.openmpi"), // the fix-up pass matches C MPI's placement
  async fn() {
    const out = Deno.makeTempDirSync();
    try {
      // An unknown algorithm name makes every spmd allreduce throw: spmd's 4-rank job fails, C MPI's runs.
      const r = await deno([
        "run",
        "-A",
        "bench/compare/main.ts",
        ...["--systems", "spmd,C MPI", "--ranks", "4", "--only", "allreduce:8", "--repeat", "1", "--out", out],
        ...["--no-startup", "--no-scatter", "--no-scale"],
      ], { env: { SPMD_COLL_ALLREDUCE: "bogus" }, timeout: 300 });
      assert.equal(r.code, 1, r.stderr);
      const starts = r.stderr.split("\n").filter((l) => l === "compare: spmd: collectives, 4 ranks");
      assert.equal(starts.length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /compare: spmd: .* ran with .*: again/);
      const failed = r.stdout.split("\n").filter((l) => l.startsWith("- spmd, 4 ranks:"));
      assert.equal(failed.length, 1, r.stdout);
    } finally {
      Deno.removeSync(out, { recursive: true });
    }
  },
});
