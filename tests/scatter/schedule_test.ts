/**
 * Tests of the scatter example's schedules (examples/scatter/main.ts
 * `--schedule static|dynamic|guided`, examples/scatter/schedule.ts): the
 * same checksum, to the last bit, and the same picture for every schedule
 * and rank count; --stats accounts for every point; bad `--schedule` and
 * `--chunk` values are named. Every run is a subprocess with a timeout.
 */

import assert from "node:assert/strict";
import type { CliRun } from "../_util.ts";
import { checksumOf, launch, ok } from "./_helpers.ts";
import { guidedChunk } from "../../examples/scatter/schedule.ts";

// Small, and not square: 25 rows of 31 points, so that chunks of 2 or 3
// rows do not divide the grid and a row index mixed up with a column
// index shows.
const GRID = ["-nx", "30", "-ny", "24", "-nc", "24", "--no-warmup"];
const POINTS = 31 * 25;
const ROWS = 25;

Deno.test("guidedChunk: remaining/size rounded up, at least min, at most what remains", () => {
  assert.equal(guidedChunk(129, 2, 1), 65);
  assert.equal(guidedChunk(64, 2, 1), 32);
  assert.equal(guidedChunk(3, 4, 1), 1);
  assert.equal(guidedChunk(10, 4, 4), 4);
  assert.equal(guidedChunk(3, 4, 4), 3);
  assert.equal(guidedChunk(0, 3, 2), 0);
  // The chunks of one rank taking them all cover the rows exactly, shrinking.
  let left = 129, last = Infinity;
  const sizes: number[] = [];
  while (left > 0) {
    const c = guidedChunk(left, 3, 2);
    assert.ok(c >= 1 && c <= last, `chunk ${c} after ${last}`);
    sizes.push(c);
    left -= c;
    last = c;
  }
  assert.equal(sizes.reduce((a, b) => a + b, 0), 129);
  assert.deepEqual(sizes, [43, 29, 19, 13, 9, 6, 4, 2, 2, 2]);
  assert.equal(guidedChunk(7, 3, 2), 3);
  assert.equal(guidedChunk(1, 3, 2), 1); // what remains, below the minimum
});

Deno.test("the checksum has the same bits for static, dynamic and guided at 1-4 ranks", async () => {
  const schedules: string[][] = [
    [],
    ["--schedule", "static"],
    ["--schedule", "dynamic"],
    ["--schedule", "dynamic", "--chunk", "3"],
    ["--schedule", "guided"],
    ["--schedule=guided", "--chunk=2"],
    ["--schedule", "dynamic", "--chunk", "100"], // one chunk, larger than the grid
  ];
  let reference: string | null = null;
  for (let np = 1; np <= 4; np++) {
    for (const s of schedules) {
      // The last two cases only at 3 ranks, to keep the test short.
      if (s.includes("100") && np !== 3) continue;
      const r = await launch(np, [...GRID, "-checksum", ...s]);
      ok(r, `${np} ranks ${s.join(" ")}`);
      const sum = checksumOf(r);
      reference ??= sum;
      assert.equal(sum, reference, `${np} ranks ${s.join(" ") || "(default)"}: ${sum} != ${reference}`);
      const how = s.length === 0 || s[1] === "static" ? "" : " \\((dynamic|guided), .*\\)";
      assert.match(r.stdout, new RegExp(`^Time: \\d+\\.\\d{3} s on ${np} ranks?${how}$`, "m"));
      assert.equal(r.stdout.trim().split("\n").length, 2, r.stdout);
    }
  }
});

Deno.test("the field saved as a PNG is the same bytes for every schedule", async () => {
  const dir = await Deno.makeTempDir({ prefix: "scatter_schedule_test_" });
  try {
    const files: Uint8Array[] = [];
    for (const s of [["--schedule", "static"], ["--schedule", "dynamic"], ["--schedule", "guided", "--chunk", "2"]]) {
      const file = `${dir}/${s[1]}.png`;
      const r = await launch(3, [...GRID, "-save", file, ...s]);
      ok(r, `-save ${s.join(" ")}`);
      files.push(await Deno.readFile(file));
    }
    assert.ok(files[0].length > 100);
    assert.deepEqual(files[1], files[0], "dynamic's picture differs from static's");
    assert.deepEqual(files[2], files[0], "guided's picture differs from static's");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The rank rows of --stats: [rank, points, compute, idle, chunks]. */
function statsRows(r: CliRun, np: number): number[][] {
  const rows: number[][] = [];
  for (const m of r.stdout.matchAll(/^\s+(\d+)\s+(\d+)\s+(\d+\.\d{3})\s+(\d+\.\d{3})\s+(\d+)\s+[█·]+$/gm)) {
    rows.push(m.slice(1).map(Number));
  }
  assert.deepEqual(rows.map((x) => x[0]), [...Array(np).keys()], r.stdout);
  return rows;
}

Deno.test("--stats: every schedule accounts for every point, chunk by chunk", async () => {
  for (
    const [s, chunks] of [
      [["--schedule", "static"], 3],
      [["--schedule", "dynamic"], ROWS], // chunks of 1 row
      [["--schedule", "dynamic", "--chunk", "4"], Math.ceil(ROWS / 4)],
      [["--schedule", "guided", "--chunk", "3"], null], // depends on who takes what
    ] as [string[], number | null][]
  ) {
    const r = await launch(3, [...GRID, "-checksum", "--stats", ...s]);
    ok(r, `--stats ${s.join(" ")}`);
    assert.match(r.stdout, new RegExp(`^schedule: ${s[1]}, `, "m"));
    const rows = statsRows(r, 3);
    assert.equal(rows.reduce((a, x) => a + x[1], 0), POINTS, r.stdout);
    const total = rows.reduce((a, x) => a + x[4], 0);
    if (chunks !== null) assert.equal(total, chunks, r.stdout);
    else assert.ok(total >= 3 && total <= ROWS, r.stdout);
    if (s[1] !== "static") {
      // Whole rows: every rank's points are a multiple of the row length.
      for (const x of rows) assert.equal(x[1] % 31, 0, r.stdout);
    }
    const m = /load imbalance \(max\/mean\): (\d+\.\d+)/.exec(r.stdout);
    assert.ok(m && Number(m[1]) >= 1, r.stdout);
    assert.match(r.stdout, /MPI\.SUM reduce of the per-rank partial sums: \d/);
  }
});

Deno.test("bad --schedule and --chunk values exit with status 2 and are named", async () => {
  const cases: [string[], string][] = [
    [["--schedule", "runtime"], '--schedule must be one of static, dynamic, guided, got "runtime"'],
    [["-schedule=Dynamic"], '-schedule must be one of static, dynamic, guided, got "Dynamic"'],
    [["--schedule"], "--schedule needs a value"],
    [["--schedule", "--stats"], "--schedule needs a value"],
    [["--schedule", "dynamic", "--chunk", "0"], '--chunk must be a positive integer, got "0"'],
    [["--schedule", "guided", "--chunk", "-2"], '--chunk must be a positive integer, got "-2"'],
    [["--schedule", "dynamic", "--chunk=1.5"], '--chunk must be a positive integer, got "1.5"'],
    [["--schedule", "dynamic", "--chunk", "two"], '--chunk must be a positive integer, got "two"'],
    [["--chunk", "4"], "--chunk 4 needs --schedule dynamic or guided"],
    [["--schedule", "static", "--chunk", "4"], "--chunk 4 needs --schedule dynamic or guided"],
  ];
  for (const [args, message] of cases) {
    // Under the launcher every rank sees the bad flag; the job exits 2.
    const r = await launch(2, args);
    assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
    assert.ok(r.stderr.includes(message), `${args.join(" ")}: stderr lacks "${message}":\n${r.stderr}`);
    assert.ok(r.stderr.includes("Usage:"), r.stderr);
    assert.equal(r.stdout, "");
  }
});
