/**
 * Tests of the flagship example, examples/scatter/main.ts, run as a program
 * (through the launcher, or plainly with its own `-n`), and of
 * examples/matrix_gather.ts. Every run is a subprocess with a timeout.
 */

import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { type CliRun, deno } from "../_util.ts";
import { checksumOf, launch, MAIN, ok } from "./_helpers.ts";

const GRID = ["-nx", "64", "-ny", "64", "-nc", "64"];
const REFERENCE_64 = 1187.603271484375; // the original code's checksum at 64/64/64
/** Runs `deno run -A <args>` in the repository root with a hard timeout (seconds). */
function plain(args: string[], timeout = 60): Promise<CliRun> {
  return deno(["run", "-A", ...args], { timeout });
}

Deno.test("checksum at 64x64x64 matches the original and is bit-identical for 1..8 ranks", async () => {
  const seen: string[] = [];
  for (let np = 1; np <= 8; np++) {
    const r = await launch(np, [...GRID, "-checksum"]);
    ok(r, `${np} ranks`);
    const text = checksumOf(r);
    const value = Number(text);
    assert.ok(Math.abs(value - REFERENCE_64) / REFERENCE_64 < 1e-4, `${np} ranks: checksum ${text}`);
    assert.match(r.stdout, new RegExp(`^Time: \\d+\\.\\d{3} s on ${np} ranks?$`, "m"));
    // Only the root (rank np - 1) prints: one checksum line, one time line.
    assert.equal(r.stdout.trim().split("\n").length, 2, r.stdout);
    seen.push(text);
  }
  assert.deepEqual(seen, new Array(8).fill(seen[0]), `checksum strings differ: ${seen.join(" ")}`);
});

Deno.test("run plainly, -n N re-launches the program as N ranks (the deno task form)", async () => {
  const one = await plain([MAIN, ...GRID, "-checksum"]);
  ok(one, "plain run");
  assert.match(one.stdout, /^Time: .* on 1 rank$/m);
  const three = await plain([MAIN, "-n", "3", ...GRID, "-checksum", "--no-warmup"]);
  ok(three, "plain run with -n 3");
  assert.match(three.stdout, /^Time: .* on 3 ranks$/m);
  assert.equal(checksumOf(three), checksumOf(one));
});

Deno.test("-save writes a PNG of the field with the obstacle", async () => {
  const dir = await Deno.makeTempDir({ prefix: "scatter_test_" });
  try {
    const file = `${dir}/field.png`;
    const r = await launch(2, ["-nx", "32", "-ny", "24", "-nc", "32", "-zoom", "2", "-save", file]);
    ok(r, "-save");
    assert.match(r.stdout, /Saved Re\(total field\) on the 33×25 grid/);
    const png = await Deno.readFile(file);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    assert.equal(new TextDecoder().decode(png.subarray(12, 16)), "IHDR");
    const width = view.getUint32(16);
    const height = view.getUint32(20);
    assert.deepEqual([width, height], [66, 50]);
    assert.equal(png[24], 8); // bit depth
    assert.equal(png[25], 2); // RGB
    // Collect the IDAT chunks, inflate, and look at the pixels.
    const idat: Uint8Array[] = [];
    let off = 8;
    let last = "";
    while (off < png.length) {
      const len = view.getUint32(off);
      last = new TextDecoder().decode(png.subarray(off + 4, off + 8));
      if (last === "IDAT") idat.push(png.subarray(off + 8, off + 8 + len));
      off += 12 + len;
    }
    assert.equal(last, "IEND");
    const zdata = new Uint8Array(idat.reduce((n, c) => n + c.length, 0));
    idat.reduce((o, c) => (zdata.set(c, o), o + c.length), 0);
    const raw = inflateSync(zdata);
    assert.equal(raw.length, height * (1 + 3 * width));
    let grey = 0, reddish = 0, bluish = 0;
    for (let y = 0; y < height; y++) {
      const row = y * (1 + 3 * width);
      assert.equal(raw[row], 0, "filter type 0");
      for (let x = 0; x < width; x++) {
        const [r8, g8, b8] = raw.subarray(row + 1 + 3 * x, row + 4 + 3 * x);
        if (r8 === 64 && g8 === 64 && b8 === 64) grey++;
        else if (r8 > b8 + 40) reddish++;
        else if (b8 > r8 + 40) bluish++;
      }
    }
    assert.ok(grey > 50, `obstacle pixels: ${grey}`);
    assert.ok(reddish > 300 && bluish > 300, `diverging colours: ${reddish} red, ${bluish} blue`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--stats prints each rank's compute time and the load imbalance", async () => {
  const r = await launch(3, ["-nx", "32", "-ny", "32", "-nc", "32", "--stats", "-checksum"]);
  ok(r, "--stats");
  for (let rank = 0; rank < 3; rank++) {
    assert.match(r.stdout, new RegExp(`^\\s+${rank}\\s+363\\s+\\d+\\.\\d{3}\\s+\\d+\\.\\d{3}`, "m"));
  }
  const m = /load imbalance \(max\/mean\): (\d+\.\d+)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.ok(Number(m[1]) >= 1, m[1]);
  assert.match(r.stdout, /MPI\.SUM reduce of the per-rank partial sums: \d/);
});

Deno.test("bad usage exits with status 2 and names the flag", async () => {
  const cases: [string[], string][] = [
    [["-nx", "abc"], '-nx must be a positive integer, got "abc"'],
    [["-ny", "0"], '-ny must be a positive integer, got "0"'],
    [["-nc=1.5"], '-nc must be a positive integer, got "1.5"'],
    [["-lambda", "-1"], '-lambda must be a positive number, got "-1"'],
    [["-lambda"], "-lambda needs a value"],
    [["-save"], "-save needs a value"],
    [["-save", "-checksum"], "-save needs a value"],
    [["-checksum=yes"], "-checksum takes no value"],
    [["-xc", "cos(t)"], "unknown option -xc"],
    [["out.png"], 'unexpected argument "out.png"'],
    [["-n", "0"], '-n must be a positive integer, got "0"'],
  ];
  for (const [args, message] of cases) {
    const r = await plain([MAIN, ...args], 30);
    assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
    assert.ok(r.stderr.includes(message), `${args.join(" ")}: stderr lacks "${message}":\n${r.stderr}`);
    assert.ok(r.stderr.includes("Usage:"), r.stderr);
    assert.equal(r.stdout, "");
  }
  // Under the launcher every rank sees the bad flag; the job exits 2.
  const bad = await launch(3, ["-nx", "-5"]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.ok(bad.stderr.includes('-nx must be a positive integer, got "-5"'), bad.stderr);
  const mismatch = await launch(2, ["-n", "3"]);
  assert.equal(mismatch.code, 2, mismatch.stderr);
  assert.ok(mismatch.stderr.includes("-n 3 does not match the 2 ranks"), mismatch.stderr);
  const help = await plain([MAIN, "-h"], 30);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage:/);
});

Deno.test("matrix_gather: 7 ranks compute a 4x5 matrix (3 elements each, the last 2), gathered on rank 6", async () => {
  const expected = [
    "    0    1    2  100  101",
    "  102  200  201  202  300",
    "  301  302  400  401  402",
    "  500  501  502  600  601",
  ].join("\n");
  const viaCli = await launch(7, [], "examples/matrix_gather.ts");
  ok(viaCli, "matrix_gather on 7 ranks");
  assert.ok(viaCli.stdout.includes(expected), viaCli.stdout);
  assert.match(viaCli.stdout, /gathered on rank 6/);
  assert.ok(viaCli.stdout.includes("\nrank  6: ■■·  elements 18–19\n"), viaCli.stdout);
  assert.match(viaCli.stdout, /3 time units instead of 20: a speedup of 6\.7×/);
  // Run plainly it becomes the course's 7 ranks by itself.
  const alone = await plain(["examples/matrix_gather.ts"], 60);
  ok(alone, "matrix_gather run plainly");
  assert.ok(alone.stdout.includes(expected), alone.stdout);
  // Any size works with the numpy.array_split split.
  const three = await launch(3, [], "examples/matrix_gather.ts");
  ok(three, "matrix_gather on 3 ranks");
  assert.ok(three.stdout.includes("    0    1    2    3    4\n    5    6  100  101  102"), three.stdout);
  assert.match(three.stdout, /gathered on rank 2/);
});
