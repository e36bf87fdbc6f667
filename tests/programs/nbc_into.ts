// Nonblocking buffer collectives (iallreduceInto, ...), iscan/iexscan, idup, testSome and
// Message.recvInto: results checked against what every rank can compute itself, at every root,
// several in flight at once with point-to-point traffic between them.
import { deepEqual, equal, ok, throws } from "node:assert/strict";
import {
  IN_PLACE,
  MAX,
  PROD,
  Request,
  SpmdError,
  SUM,
  testSome,
  TruncateError,
  waitAll,
  waitAny,
  world,
} from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
const ranks = [...Array(size).keys()];

function named(fn: () => unknown, re: RegExp): void {
  throws(fn, (e: unknown) => {
    if (!(e instanceof SpmdError)) throw new Error(`expected SpmdError, got ${e}`);
    if (!re.test(e.message)) throw new Error(`message ${JSON.stringify(e.message)} does not match ${re}`);
    return true;
  });
}

// ---- every call at every root, several in flight, point-to-point in between ----
for (let root = 0; root < size; root++) {
  const n = 3;
  const bc = new Float64Array(n).fill(rank === root ? root + 0.5 : -1);
  const red = new Int32Array(n);
  const all = new Float64Array(n);
  const gat = rank === root ? new Int32Array(n * size) : null;
  const sc = new Float64Array(n);
  const scSend = rank === root ? Float64Array.from({ length: n * size }, (_, i) => i) : null;
  const reqs = [
    comm.ibcastInto(bc, root),
    comm.ireduceInto(new Int32Array([rank, 1, rank * 2]), rank === root ? red : null, SUM, root),
    comm.iallreduceInto(new Float64Array([rank, 1, -rank]), all, MAX),
    comm.igatherInto(new Int32Array([rank, rank, rank]), gat, root),
    comm.iscatterInto(scSend, sc, root),
  ];
  // Point-to-point traffic while they are in flight, on the same communicator.
  comm.send({ from: rank }, (rank + 1) % size, 9);
  deepEqual(comm.recv((rank - 1 + size) % size, 9), { from: (rank - 1 + size) % size });
  deepEqual(waitAll(reqs), [undefined, undefined, undefined, undefined, undefined]);
  deepEqual([...bc], [root + 0.5, root + 0.5, root + 0.5]);
  if (rank === root) {
    const s = (size * (size - 1)) / 2;
    deepEqual([...red], [s, size, 2 * s]);
    deepEqual([...gat!], ranks.flatMap((r) => [r, r, r]));
  }
  deepEqual([...all], [size - 1, 1, 0]);
  deepEqual([...sc], [rank * n, rank * n + 1, rank * n + 2]);

  // IN_PLACE at the root.
  const g2 = rank === root ? new Float64Array(2 * size).fill(-1) : null;
  if (g2 !== null) g2.set([7, 8], 2 * root);
  const s2 = new Int32Array(size);
  s2.fill(rank);
  const r2 = rank === root ? Int32Array.from(ranks) : null;
  const sendIn = rank === root ? new Int32Array(size).fill(5) : null;
  const mine = new Int32Array(1);
  await Promise.all([
    comm.igatherInto(rank === root ? IN_PLACE : new Float64Array([rank, rank + 1]), g2, root),
    comm.ireduceInto(rank === root ? IN_PLACE : s2, rank === root ? r2 : null, PROD, root),
    comm.iscatterInto(sendIn, rank === root ? IN_PLACE : mine, root),
  ]);
  if (rank === root) {
    const want = ranks.flatMap((r) => (r === root ? [7, 8] : [r, r + 1]));
    deepEqual([...g2!], want);
    // Every rank's array is all its rank (the root's own is its ranks 0..size−1).
    deepEqual([...r2!], ranks.map((i) => ranks.reduce((p, r) => p * (r === root ? i : r), 1)));
  } else deepEqual([...mine], [5]);
}

// ---- the unrooted ones, IN_PLACE too; bigints; a large payload ----
{
  const ag = new Float32Array(2 * size);
  const aa = new Int32Array(size);
  const sendAa = Int32Array.from(ranks, (j) => rank * 100 + j);
  const big = new Float64Array(1 << 17).fill(rank + 1); // 1 MiB
  const bigOut = new Float64Array(1 << 17);
  const inPlace = new BigInt64Array(size);
  inPlace[rank] = BigInt(rank) * 3n;
  const aaIn = Int32Array.from(ranks, (j) => rank * 10 + j);
  const rs = [
    comm.iallgatherInto(new Float32Array([rank, -rank]), ag),
    comm.ialltoallInto(sendAa, aa),
    comm.iallreduceInto(big, bigOut),
    comm.iallgatherInto(IN_PLACE, inPlace),
    comm.ialltoallInto(IN_PLACE, aaIn),
    comm.iallreduceInto(IN_PLACE, big, SUM),
  ];
  comm.send(rank, (rank + 1) % size, 3);
  equal(comm.recv((rank - 1 + size) % size, 3), (rank - 1 + size) % size);
  // waitAny over the mix, then testSome until none is active.
  const [first] = waitAny(rs);
  ok(first >= 0);
  const seen = new Set([first]);
  for (;;) {
    const got = testSome(rs);
    if (got === null) break;
    for (const i of got[0]) seen.add(i);
  }
  equal(seen.size, rs.length);
  deepEqual([...ag], ranks.flatMap((r) => [r, -r]));
  deepEqual([...aa], ranks.map((j) => j * 100 + rank));
  deepEqual([...inPlace], ranks.map((r) => BigInt(r) * 3n));
  deepEqual([...aaIn], ranks.map((j) => j * 10 + rank));
  const s = (size * (size + 1)) / 2;
  ok(bigOut.every((x) => x === s));
  ok(big.every((x) => x === s));
}

// ---- scans: buffer and value forms ----
{
  const inc = new Float64Array(2);
  const exc = new Float64Array(2).fill(-7);
  const vi = comm.iscan(rank + 1);
  const ve = comm.iexscan(rank + 1);
  const bi = comm.iscanInto(new Float64Array([rank + 1, 1]), inc);
  const be = comm.iexscanInto(new Float64Array([rank + 1, 1]), exc);
  const inPl = new Int32Array([rank + 1]);
  const bp = comm.iscanInto(IN_PLACE, inPl, PROD);
  waitAll<unknown>([vi, ve, bi, be, bp]);
  equal(vi.wait(), ((rank + 1) * (rank + 2)) / 2);
  equal(ve.wait(), rank === 0 ? null : (rank * (rank + 1)) / 2);
  deepEqual([...inc], [((rank + 1) * (rank + 2)) / 2, rank + 1]);
  deepEqual([...exc], rank === 0 ? [-7, -7] : [(rank * (rank + 1)) / 2, rank]);
  equal(inPl[0], ranks.slice(0, rank + 1).reduce((p, r) => p * (r + 1), 1));
}

// ---- a user op, which must see operands in rank order ----
{
  // Digit concatenation: associative, not commutative.
  const cat = (a: Float64Array, b: Float64Array) =>
    a.map((x, i) => x * 10 ** String(b[i]).length + b[i]) as Float64Array;
  const out = new Float64Array(1);
  await comm.iallreduceInto(new Float64Array([rank + 1]), out, cat as never);
  equal(out[0], ranks.reduce((acc, r) => acc * 10 + r + 1, 0));
}

// ---- on a sub-communicator and a dup made by idup ----
{
  const half = comm.split(rank % 2)!;
  const out = new Int32Array(1);
  half.iallreduceInto(new Int32Array([1]), out).wait();
  equal(out[0], half.size);
  const twin = comm.idup().wait();
  ok(twin !== comm);
  equal(twin.size, size);
  const tOut = new Int32Array(1);
  await twin.iallreduceInto(new Int32Array([rank]), tOut);
  equal(tOut[0], (size * (size - 1)) / 2);
  ok(comm.idup().done);
}

// ---- Message.recvInto ----
{
  const to = (rank + 1) % size;
  const from = (rank - 1 + size) % size;
  comm.send(new Float64Array([rank, 2, 3]), to, 11);
  comm.send(new Float64Array(1 << 16).fill(rank), to, 12); // large: may still stream when probed
  comm.send("text", to, 13);
  comm.send(new Float64Array(4), to, 14);
  const buf = new Float64Array(5);
  const st = comm.mprobe(from, 11).recvInto(buf);
  equal(st.source, from);
  equal(st.count(Float64Array), 3);
  deepEqual([...buf], [from, 2, 3, 0, 0]);
  const large = new Float64Array(1 << 16);
  comm.mprobe(from, 12).recvInto(large);
  ok(large.every((x) => x === from));
  const m = comm.mprobe(from, 13);
  named(() => m.recvInto(buf), /^Message\.recvInto: message from rank \d+ \(tag 13\) is a string, not a typed array/);
  named(() => m.recvInto(buf), /^Message\.recvInto: this message .* has already been received/);
  const m2 = comm.mprobe(from, 14);
  named(() => m2.recvInto("x" as never), /^Message\.recvInto: buffer must be/);
  throws(
    () => m2.recvInto(new Float64Array(2)),
    (e) => e instanceof TruncateError && /Message\.recvInto/.test(e.message),
  );
}

// ---- testSome: none completed, then some; inactive ones skipped ----
{
  const rs = [comm.irecv(rank, 21), comm.irecv(rank, 22), comm.irecv(rank, 23)];
  deepEqual(testSome(rs), [[], []]);
  comm.send("b", rank, 22);
  deepEqual(testSome(rs), [[1], ["b"]]);
  comm.send("a", rank, 21);
  comm.send("c", rank, 23);
  deepEqual(testSome(rs), [[0, 2], ["a", "c"]]);
  equal(testSome(rs), null);
  equal(testSome([]), null);
  named(() => testSome([1] as never), /^testSome: requests\[0\] is not a Request/);
  named(() => testSome(rs, 5 as never), /^testSome: statuses must be an array/);
  ok(rs.every((r) => r instanceof Request));
}

// ---- bad input is named (every rank passes the same, so none is left waiting) ----
named(
  () => comm.iallreduceInto(new Float64Array(2), new Float64Array(3)),
  /^iallreduceInto: recv must have as many elements as send \(2\)/,
);
named(
  () => comm.iallreduceInto([1] as never, new Float64Array(1)),
  /^iallreduceInto: send must be a typed array or IN_PLACE/,
);
named(
  () => comm.iallreduceInto(new Int32Array(1), new Float64Array(1)),
  /^iallreduceInto: send and recv must have one element type/,
);
named(() => comm.ibcastInto(new Float64Array(1), size), /^ibcastInto: root must be an integer rank/);
named(() => comm.ibcastInto(null as never), /^ibcastInto: buf must be a typed array/);
named(() => comm.ireduceInto(new Float64Array(1), null, "SUM" as never), /^ireduceInto: op must be/);
named(() => comm.igatherInto("x" as never, new Float64Array(size), 0), /^igatherInto: send must be a typed array/);
named(
  () => comm.iallgatherInto(new Float64Array(2), new Float64Array(2 * size + 1)),
  /^iallgatherInto: recv must have size × send\.length/,
);
if (size > 1) {
  named(
    () => comm.ialltoallInto(new Float64Array(size), new Float64Array(size + 1)),
    /^ialltoallInto: recv must have size × n elements/,
  );
}
named(() => comm.iscanInto(new Float64Array(1), new Float64Array(2)), /^iscanInto: recv must have as many elements/);
if (rank !== 0) {
  named(() => comm.igatherInto(IN_PLACE, null, 0), /^igatherInto: send may be IN_PLACE on the root \(rank 0\) only/);
} else {named(
    () => comm.iscatterInto(new Float64Array(size + 1), new Float64Array(1), 0),
    /^iscatterInto: send must have size × /,
  );}
// ... and the communicator still works after.
const last = new Float64Array(1);
comm.iallreduceInto(new Float64Array([1]), last).wait();
equal(last[0], size);
comm.barrier();
