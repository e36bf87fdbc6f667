// Vector collectives with displacements (gatherv, scatterv, allgatherv),
// alltoallv and reduceScatterBlock, at every root, checked against
// results computed locally from what every rank contributes; then bad
// arguments, which throw the same SpmdError (naming the call and the bad
// value) on every rank, after which the communicator still works.
import { isDeepStrictEqual } from "node:util";
import { createOp, MAX, PROD, SpmdError, SUM, world } from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
const ranks = Array.from({ length: size }, (_, r) => r);

function fail(what: string): never {
  throw new Error(`${what} (size ${size}, rank ${rank})`);
}
function eq(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) {
    fail(`${what}: got ${Deno.inspect(actual).slice(0, 300)}, expected ${Deno.inspect(expected).slice(0, 300)}`);
  }
}
/** `fn` throws an SpmdError matching `re` on every rank, with the same message everywhere; the comm still works. */
function everywhere(fn: () => unknown, re: RegExp, what: string): void {
  let msg = "";
  try {
    fn();
    fail(`${what}: did not throw`);
  } catch (e) {
    if (!(e instanceof SpmdError)) throw e;
    if (!re.test(e.message)) fail(`${what}: message ${JSON.stringify(e.message)} does not match ${re}`);
    msg = e.message;
  }
  const all = comm.allgather(msg);
  if (all.some((m) => m !== msg)) fail(`${what}: ranks disagree on the error: ${JSON.stringify(all)}`);
  eq(comm.allreduce(1), size, `${what}: allreduce afterwards`);
}

/** Rank r's block: counts[r] elements, value 1000 r + i + 1 (never 0, so gaps show). */
const counts = ranks.map((r) => (r * 3 + 1) % 4); // some zero counts at size >= 4
const blockOf = (r: number) => Float64Array.from({ length: counts[r] }, (_, i) => 1000 * r + i + 1);
// Displacements in reverse rank order with a gap of r + 1 before each block.
const displs: number[] = new Array(size);
{
  let at = 0;
  for (let r = size - 1; r >= 0; r--) {
    at += r + 1;
    displs[r] = at;
    at += counts[r];
  }
}
const extent = Math.max(...ranks.map((r) => displs[r] + counts[r]));
const spread = new Float64Array(extent);
for (const r of ranks) spread.set(blockOf(r), displs[r]);
const packed = new Float64Array(counts.reduce((a, b) => a + b, 0));
{
  let at = 0;
  for (const r of ranks) {
    packed.set(blockOf(r), at);
    at += counts[r];
  }
}

for (let root = 0; root < size; root++) {
  eq(comm.gatherv(blockOf(rank), counts, root, displs), rank === root ? spread : null, `gatherv displs root ${root}`);
  eq(comm.gatherv(blockOf(rank), counts, root), rank === root ? packed : null, `gatherv root ${root}`);
  eq(comm.scatterv(rank === root ? spread : null, counts, root, displs), blockOf(rank), `scatterv displs root ${root}`);
  // A root array longer than the blocks need, and overlapping blocks: allowed when reading.
  const longer = new Float64Array(extent + 5).fill(-1);
  longer.set(spread);
  eq(comm.scatterv(rank === root ? longer : null, counts, root, displs), blockOf(rank), `scatterv longer ${root}`);
  const same = ranks.map(() => 2);
  const overlapped = new Int16Array([7, 8, 9]);
  eq(
    comm.scatterv(rank === root ? overlapped : null, same, root, ranks.map((r) => r % 2)),
    new Int16Array(rank % 2 === 0 ? [7, 8] : [8, 9]),
    `scatterv overlapping reads root ${root}`,
  );
}
eq(comm.allgatherv(blockOf(rank), counts, displs), spread, "allgatherv displs");
eq(comm.allgatherv(blockOf(rank), counts), packed, "allgatherv");
// Displacements given but packed: the same as none.
const off = counts.map((_, r) => counts.slice(0, r).reduce((a, b) => a + b, 0));
eq(comm.allgatherv(blockOf(rank), counts, off), packed, "allgatherv packed displs");
eq(comm.allgatherv(blockOf(rank), counts, rank === 0 ? off : null), packed, "allgatherv packed displs on rank 0 only");
// Every count zero: zeros of the same type, max(displs[i] + counts[i]) long.
eq(
  comm.allgatherv(new Int8Array(0), ranks.map(() => 0), ranks.map((r) => r)),
  new Int8Array(size - 1),
  "allgatherv empty",
);

// ---- alltoallv -------------------------------------------------------------------
// Rank i sends (i + j) % 3 elements to rank j, values 100 i + 10 j + k.
const sc = (i: number, j: number) => (i + j) % 3;
const val = (i: number, j: number, k: number) => 100 * i + 10 * j + k;
const sendCounts = ranks.map((j) => sc(rank, j));
const send = Int32Array.from(ranks.flatMap((j) => Array.from({ length: sc(rank, j) }, (_, k) => val(rank, j, k))));
const recvCounts = ranks.map((i) => sc(i, rank));
const expectPacked = Int32Array.from(
  ranks.flatMap((i) => Array.from({ length: sc(i, rank) }, (_, k) => val(i, rank, k))),
);
eq(comm.alltoallv(send, sendCounts), expectPacked, "alltoallv packed, recvCounts learned");
eq(comm.alltoallv(send, sendCounts, null, recvCounts), expectPacked, "alltoallv packed, recvCounts given");
// Send blocks in reverse order with a gap of 1 before each; receive at displacements with gaps of 2.
const sendDispls: number[] = new Array(size);
{
  let at = 0;
  for (let j = size - 1; j >= 0; j--) {
    at += 1;
    sendDispls[j] = at;
    at += sendCounts[j];
  }
}
const sendSpread = new Int32Array(Math.max(...ranks.map((j) => sendDispls[j] + sendCounts[j]), 0) + 3).fill(-7);
for (const j of ranks) for (let k = 0; k < sendCounts[j]; k++) sendSpread[sendDispls[j] + k] = val(rank, j, k);
const recvDispls = ranks.map((i) => ranks.slice(0, i).reduce((a, r) => a + recvCounts[r] + 2, 2));
const expectSpread = new Int32Array(Math.max(...ranks.map((i) => recvDispls[i] + recvCounts[i])));
for (const i of ranks) for (let k = 0; k < recvCounts[i]; k++) expectSpread[recvDispls[i] + k] = val(i, rank, k);
eq(comm.alltoallv(sendSpread, sendCounts, sendDispls, null, recvDispls), expectSpread, "alltoallv displs");
eq(comm.alltoallv(sendSpread, sendCounts, sendDispls, recvCounts, recvDispls), expectSpread, "alltoallv all given");
// One rank sends everything to the root-like rank 0 (counts zero elsewhere), bigints.
const big = BigInt64Array.from({ length: rank + 1 }, (_, k) => BigInt(rank) * 10n ** 15n + BigInt(k));
const toZero = ranks.map((j) => (j === 0 ? rank + 1 : 0));
const expectZero = rank === 0
  ? BigInt64Array.from(
    ranks.flatMap((i) => Array.from({ length: i + 1 }, (_, k) => BigInt(i) * 10n ** 15n + BigInt(k))),
  )
  : new BigInt64Array(0);
eq(comm.alltoallv(big, toZero), expectZero, "alltoallv to rank 0");

// ---- reduceScatterBlock ------------------------------------------------------------
for (const per of [0, 1, 5]) {
  const n = per * size;
  const mine = Float64Array.from({ length: n }, (_, i) => (rank + 1) * (i + 1));
  const total = Float64Array.from({ length: n }, (_, i) => ranks.reduce((a, r) => a + (r + 1) * (i + 1), 0));
  eq(comm.reduceScatterBlock(mine, SUM), total.slice(rank * per, rank * per + per), `reduceScatterBlock SUM ${per}`);
  const maxed = Int32Array.from({ length: n }, (_, i) => Math.max(...ranks.map((r) => (r * 7 + i) % 5)));
  eq(
    comm.reduceScatterBlock(Int32Array.from({ length: n }, (_, i) => (rank * 7 + i) % 5), MAX),
    maxed.slice(rank * per, rank * per + per),
    `reduceScatterBlock MAX ${per}`,
  );
}
eq(
  comm.reduceScatterBlock(ranks.map((j) => rank + j + 1), PROD),
  [ranks.reduce((a, r) => a * (r + rank + 1), 1)],
  "reduceScatterBlock PROD of numbers",
);
// User ops, not commutative: taking the left (right) operand gives the lowest (highest) rank's value.
const left = createOp((a: number[], _b: number[]) => a, { name: "left" });
const right = createOp((_a: number[], b: number[]) => b, { name: "right" });
eq(comm.reduceScatterBlock(ranks.map(() => rank + 1), left), [1], "reduceScatterBlock user op left");
eq(comm.reduceScatterBlock(ranks.map(() => rank + 1), right), [size], "reduceScatterBlock user op right");
// A large array (above the ring threshold).
{
  const per = 20_000;
  const mine = Float64Array.from({ length: per * size }, (_, i) => i % 97 + rank);
  const got = comm.reduceScatterBlock(mine);
  const want = Float64Array.from({ length: per }, (_, k) => {
    const i = rank * per + k;
    return size * (i % 97) + (size * (size - 1)) / 2;
  });
  eq(got, want, "reduceScatterBlock large");
}

// ---- bad arguments: the same error on every rank --------------------------------------
const last = size - 1;
everywhere(
  () => comm.gatherv(blockOf(rank), counts, 0, rank === last ? displs.slice(1) : displs),
  new RegExp(`^gatherv: displs must be an array of ${size} displacements \\(one per rank\\), got .*`),
  "gatherv short displs",
);
everywhere(
  () => comm.allgatherv(blockOf(rank), counts, displs.map((d, r) => (r === 0 && rank === last ? -1 : d))),
  /^allgatherv: displs\[0\] must be a non-negative integer, got -1/,
  "allgatherv negative displacement",
);
if (size > 1) {
  everywhere(
    () => comm.gatherv(blockOf(rank), counts, last, rank === 0 ? displs.map((d) => d + 1) : displs),
    /^gatherv: ranks? [\d, -]+ passed displs\[0\] = \d+ but ranks? [\d, -]+ passed displs\[0\] = \d+$/,
    "gatherv displs that differ",
  );
  everywhere(
    () => comm.allgatherv(new Float64Array(2), ranks.map(() => 2), ranks.map(() => 0)),
    /^allgatherv: the blocks of ranks 0 and 1 overlap \(displs\[0\] = 0, counts\[0\] = 2, displs\[1\] = 0\)/,
    "allgatherv overlapping blocks",
  );
}
if (size > 2) {
  // Rank 1 passes the packed displacements but one: the message names that one, not the first.
  const moved = off.map((d, r) => (r === last ? d + 1 : d));
  everywhere(
    () => comm.gatherv(blockOf(rank), counts, 0, rank === 1 ? moved : null),
    new RegExp(
      `^gatherv: rank 1 passed displs\\[${last}\\] = ${
        off[last] + 1
      } but ranks 0, 2-?\\d* passed displs\\[${last}\\] = ${off[last]} \\(packed, no displs\\)$`,
    ),
    "gatherv displs given on one rank only, one differs",
  );
}
everywhere(
  () => comm.scatterv(rank === 0 ? new Float64Array(extent - 1) : null, counts, 0, displs),
  new RegExp(`^scatterv: displs and counts reach element ${extent} but the root's array has ${extent - 1}`),
  "scatterv root array too short for displs",
);
everywhere(
  () => comm.alltoallv(send, rank === last ? sendCounts.slice(1) : sendCounts),
  new RegExp(`^alltoallv: sendCounts must be an array of ${size} counts \\(one per rank\\), got .*`),
  "alltoallv short sendCounts",
);
everywhere(
  () => comm.alltoallv(rank === last ? new Int32Array(send.length + 1) : send, sendCounts),
  new RegExp(`^alltoallv: sendCounts add up to \\d+ but array has \\d+ elements`),
  "alltoallv array longer than sendCounts",
);
if (size > 1) {
  everywhere(
    () => comm.alltoallv(rank === last ? new Float32Array(send.length) : send, sendCounts),
    /^alltoallv: rank \d+ passed a Float32Array but ranks? [\d, -]+ passed a Int32Array/,
    "alltoallv types that differ",
  );
}
everywhere(
  () => comm.alltoallv(send, sendCounts, null, recvCounts.map((n, i) => (i === 0 && rank === last ? n + 1 : n))),
  new RegExp(
    `^alltoallv: rank 0 sends ${
      sc(0, last)
    } elements to rank ${last} \\(its sendCounts\\[${last}\\]\\) but rank ${last} expects ${
      sc(0, last) + 1
    } \\(its recvCounts\\[0\\]\\)`,
  ),
  "alltoallv recvCounts that do not match",
);
if (size > 1) {
  everywhere(
    () => comm.alltoallv(send, sendCounts, null, null, rank === last ? ranks.map(() => 0) : null),
    new RegExp(`^alltoallv: rank ${last}'s result: the blocks of ranks \\d+ and \\d+ overlap`),
    "alltoallv overlapping recvDispls",
  );
}
everywhere(
  () => comm.alltoallv([1, 2] as never, [2]),
  /^alltoallv: array must be a typed array, got/,
  "alltoallv a plain array",
);
if (size > 1) {
  everywhere(
    () => comm.reduceScatterBlock(new Float64Array(size * 2 + (rank === last ? 1 : 0))),
    new RegExp(`^reduceScatterBlock: array has ${size * 2 + 1} elements, not a multiple of the ${size} ranks`),
    "reduceScatterBlock length not a multiple",
  );
  everywhere(
    () => comm.reduceScatterBlock(new Float64Array(rank === last ? size * 2 : size)),
    /^reduceScatterBlock: /,
    "reduceScatterBlock lengths that differ",
  );
}
everywhere(
  () => comm.reduceScatterBlock(new Float64Array(size), "SUM" as never),
  /^reduceScatterBlock: op must be SUM, MAX/,
  "reduceScatterBlock bad op",
);
