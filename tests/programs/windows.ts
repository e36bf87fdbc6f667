// Shared-memory windows at any rank count: segments, fence visibility,
// exact accumulate totals under concurrency, unique fetchAndOp tickets,
// compare-and-swap, exclusive locks, zero-copy sends of segments, and
// misuse errors. Args: [seed].

import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { BOR, createOp, MAX, MAXLOC, MIN, NO_OP, PROD, REPLACE, SpmdError, SUM, world } from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
let seed = (Number(Deno.args[0] ?? 1) * 7919 + rank * 104729) >>> 0;
function rand(n: number): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed % n;
}

// 1. segments: lengths differ by rank (rank r has r + 1 elements; one may be empty)
{
  const len = rank === 1 ? 0 : rank + 2;
  const win = comm.allocateShared(Float64Array, len);
  equal(win.local.length, len);
  win.local.fill(rank + 0.5);
  win.fence();
  let at = 0;
  for (let r = 0; r < size; r++) {
    const n = r === 1 ? 0 : r + 2;
    equal(win.offsetOf(r), at);
    equal(win.segment(r).length, n);
    for (let i = 0; i < n; i++) equal(win.all[at + i], r + 0.5, `segment ${r}[${i}] seen by rank ${rank}`);
    at += n;
  }
  equal(win.all.length, at);
  win.fence();
  win.free();
  throws(() => win.put([1], 0, 0), /put: the window was freed/);
}

// 2. fence visibility of puts and gets between neighbours
{
  const n = 1000;
  const win = comm.allocateShared(Int32Array, n);
  win.fence();
  const right = (rank + 1) % size;
  const data = Int32Array.from({ length: n }, (_, i) => rank * 100000 + i);
  win.put(data, right, 0);
  win.fence();
  const left = (rank - 1 + size) % size;
  for (let i = 0; i < n; i++) equal(win.local[i], left * 100000 + i);
  const back = new Int32Array(n);
  win.get(back, right, 0);
  win.fence();
  deepEqual(back, data);
  // lock after a fence that no call followed is valid (MPI); after one that a call followed it is not
  win.lockAll();
  win.unlockAll();
  win.fence();
  win.get(back, right, 0);
  throws(() => win.lock(0), (e: Error) => e instanceof SpmdError && /lock: a fence epoch is open/.test(e.message));
  win.fence();
  win.free();
}

// 3. concurrent accumulates from every rank: exact totals on integer, bigint and float windows
for (const Type of [Int32Array, BigInt64Array, Float64Array, Uint8Array] as const) {
  const n = 16;
  const win = comm.allocateShared(Type as Float64ArrayConstructor, n);
  const big = Type === BigInt64Array;
  const added = new Float64Array(size * n); // what this rank added to each element of the window
  win.lockAll();
  for (let k = 0; k < 400; k++) {
    const target = rand(size);
    const off = rand(n - 2);
    const v = [rand(5), rand(5)];
    win.accumulate((big ? v.map(BigInt) : v) as unknown as Float64Array, target, off, SUM);
    added[target * n + off] += v[0];
    added[target * n + off + 1] += v[1];
    if (k % 50 === 0) {
      const got = win.fetchAndOp((big ? 1n : 1) as number, target, n - 1, SUM);
      ok(big ? typeof got === "bigint" : typeof got === "number");
      added[target * n + n - 1] += 1;
    }
  }
  win.unlockAll();
  const totals = comm.allreduce(added, SUM);
  win.fence();
  for (let i = 0; i < size * n; i++) {
    const want = Type === Uint8Array ? totals[i] % 256 : totals[i];
    equal(Number(win.all[i]), want, `${Type.name} element ${i} after concurrent accumulates`);
  }
  win.fence();
  win.free();
}

// 3b. every rank hammers one element of rank 0: no update is lost (integer: Atomics; float: the mutex)
for (const Type of [Int32Array, Float64Array] as const) {
  const win = comm.allocateShared(Type as Int32ArrayConstructor, rank === 0 ? 1 : 0);
  win.lockAll();
  const one = new Type([1]);
  for (let k = 0; k < 20000; k++) {
    if (k & 1) win.accumulate(one, 0, 0, SUM);
    else win.fetchAndOp(1, 0, 0, SUM);
  }
  win.unlockAll();
  win.fence();
  equal(win.all[0], 20000 * size, `${Type.name}: every one of ${20000 * size} concurrent updates counted`);
  win.fence();
  win.free();
}

// 4. unique fetchAndOp tickets from a shared counter, in exclusive and lockAll epochs
{
  const win = comm.allocateShared(Int32Array, rank === 0 ? 1 : 0);
  const mine: number[] = [];
  for (let k = 0; k < 50; k++) {
    if (k % 2 === 0) {
      win.lock(0, { exclusive: k % 4 === 0 });
      mine.push(win.fetchAndOp(1, 0, 0) as number);
      win.unlock(0);
    } else {
      win.lockAll();
      mine.push(win.fetchAndOp(1, 0, 0, SUM) as number);
      win.unlockAll();
    }
  }
  const all = comm.allgather(mine).flat().sort((a, b) => a - b);
  deepEqual(all, Array.from({ length: 50 * size }, (_, i) => i));
  win.fence();
  equal(win.all[0], 50 * size);
  win.fence();
  win.free();
}

// 4b. a window over a sub-communicator (odd and even ranks): its segments and counter are its own
{
  const sub = comm.split(rank % 2, -rank)!; // reversed order: sub rank 0 is the highest world rank of the colour
  const win = sub.allocateShared(BigInt64Array, sub.rank === 0 ? 1 : 2);
  win.lockAll();
  const t = win.fetchAndOp(1n, 0, 0, SUM);
  ok(typeof t === "bigint");
  if (sub.rank > 0) win.put([BigInt(rank), BigInt(rank)], sub.rank, 0);
  win.unlockAll();
  const tickets = sub.allgather(Number(t)).sort((a, b) => a - b);
  deepEqual(tickets, Array.from({ length: sub.size }, (_, i) => i));
  win.fence();
  equal(win.all.length, 1 + 2 * (sub.size - 1));
  for (let r = 1; r < sub.size; r++) equal(win.segment(r)[1], BigInt(sub.worldRank(r)));
  win.fence();
  win.free();
  sub.free();
}

// 5. compare-and-swap elects exactly one winner; getAccumulate with NO_OP reads atomically
for (const Type of [Int32Array, Float64Array] as const) {
  const win = comm.allocateShared(Type as Int32ArrayConstructor, rank === 0 ? 2 : 0);
  if (rank === 0) win.local[0] = -1;
  win.fence();
  const before = win.compareAndSwap(rank, -1, 0, 0);
  const won = before === -1 ? 1 : 0;
  equal(comm.allreduce(won), 1, `${Type.name}: one rank wins the compare-and-swap`);
  win.fence();
  const seen = new Type(1);
  win.getAccumulate(new Type(1) as never, seen as never, 0, 0, NO_OP);
  win.fence();
  equal(comm.allreduce(seen[0], MAX), comm.allreduce(seen[0], createOp((a: number, b: number) => Math.min(a, b))));
  ok(seen[0] >= 0 && seen[0] < size);
  win.fence();
  win.free();
}

// 6. exclusive locks serialise plain read-modify-writes; PROD, MAX, BOR and REPLACE accumulate
{
  const win = comm.allocateShared(Float64Array, rank === 0 ? 4 : 0);
  if (rank === 0) win.local.set([0, 1, 0, 0]);
  win.fence();
  for (let k = 0; k < 100; k++) {
    win.lock(0, { exclusive: true });
    const cur = new Float64Array(1);
    win.get(cur, 0, 0);
    win.put([cur[0] + 1], 0, 0);
    win.unlock(0);
  }
  win.lockAll();
  win.accumulate([2], 0, 1, PROD);
  win.accumulate([rank], 0, 2, MAX);
  win.accumulate([7], 0, 3, REPLACE);
  win.unlockAll();
  comm.barrier();
  win.lock(0);
  const got = new Float64Array(4);
  win.get(got, 0, 0);
  win.unlock(0);
  deepEqual(Array.from(got), [100 * size, 2 ** size, size - 1, 7]);
  win.fence();
  win.free();
  const ints = comm.allocateShared(Uint32Array, 1);
  ints.lockAll();
  ints.accumulate([1 << rank % 32], (rank + 1) % size, 0, BOR);
  ints.unlockAll();
  ints.fence();
  equal(ints.local[0], 1 << ((rank - 1 + size) % size) % 32);
  ints.fence();
  ints.free();
}

// 7. a segment sent as a message arrives whole (a large one by a single copy from the window)
{
  const n = 64 * 1024;
  const win = comm.allocateShared(Float64Array, n);
  for (let i = 0; i < n; i++) win.local[i] = rank * n + i;
  win.fence();
  const right = (rank + 1) % size;
  const left = (rank - 1 + size) % size;
  const into = new Float64Array(n);
  if (size > 1) {
    const r = comm.irecv(left, 5);
    comm.send(win.segment(rank), right, 5);
    const got = r.wait() as Float64Array;
    for (let i = 0; i < n; i += 997) equal(got[i], left * n + i);
    comm.sendrecv(win.local.subarray(0, 5000), right, 6, left, 6);
    const rr = comm.irecv(left, 7);
    comm.send(win.all.subarray(win.offsetOf(rank), win.offsetOf(rank) + n), right, 7);
    into.set(rr.wait() as Float64Array);
    equal(into[n - 1], left * n + n - 1);
  }
  win.fence();
  win.free();
}

// 7b. a single number (or bigint) is a one-element source of put and accumulate
{
  const win = comm.allocateShared(Int32Array, rank === 0 ? 2 : 0);
  const big = comm.allocateShared(BigInt64Array, rank === 0 ? 1 : 0);
  win.lockAll();
  big.lockAll();
  win.accumulate(2, 0, 0, SUM);
  big.accumulate(3, 0, 0, SUM); // a safe-integer number into a BigInt64 window
  big.accumulate(1n, 0, 0, SUM);
  if (rank === 0) win.put(7, 0, 1);
  win.unlockAll();
  big.unlockAll();
  win.fence();
  big.fence();
  equal(win.all[0], 2 * size);
  equal(win.all[1], 7);
  equal(big.all[0], 4n * BigInt(size));
  win.fence();
  big.fence();
  win.free();
  big.free();
}

// 8. misuse is a clear error
{
  const win = comm.allocateShared(Int32Array, 4);
  throws(() => win.put([1], 0, 0), /put: no access epoch is open on rank 0: call fence\(\), lock\(0\) or lockAll\(\)/);
  win.fence();
  throws(() => win.put([1, 2], 0, 3), /put: offset 3 \+ 2 elements is outside rank 0's segment of 4 elements/);
  throws(() => win.put(new Float64Array(1), 0, 0), /put: source must be a Int32Array \(the window's type\)/);
  throws(() => win.get(new Int32Array(1), size, 0), /get: rank must be an integer in 0\.\.\d+, got \d+/);
  throws(() => win.accumulate([1], 0, 0, MAXLOC), /accumulate: op must be a built-in op.*no MAXLOC/);
  throws(() => win.accumulate([1], 0, 0, ((a: number, b: number) => a + b) as never), /MPI allows no user op/);
  throws(() => win.fetchAndOp(1n as unknown as number, 0, 0), /fetchAndOp: value must be a number/);
  win.fence();
  win.lock(0);
  throws(() => win.lock(0), /lock: rank 0 is locked by this rank already/);
  throws(() => win.fence(), /fence: a lock epoch is open: unlock first/);
  throws(() => win.lockAll(), /lockAll: a lock\(\) epoch is open/);
  win.unlock(0);
  throws(() => win.unlock(0), /unlock: rank 0 is not locked by this rank/);
  throws(() => win.flush(0), /flush: no lock epoch is open on rank 0/);
  throws(() => win.unlockAll(), /unlockAll: no lockAll\(\) epoch is open/);
  win.fence();
  win.free();
  const fl = comm.allocateShared(Float32Array, 1);
  fl.fence();
  throws(() => fl.accumulate([1], 0, 0, BOR), /accumulate: BOR does not apply to a Float32Array window/);
  fl.fence();
  fl.free();
  // arguments that differ between ranks fail on every rank, without a hang
  if (size > 1) {
    throws(
      () => comm.allocateShared((rank === size - 1 ? Int32Array : Float64Array) as Int32ArrayConstructor, 1),
      /allocateShared: every rank must pass the same Type, got Float64Array on rank 0/,
    );
  }
  throws(() => comm.allocateShared(Int32Array, rank === 0 ? -1 : 1), /allocateShared: rank 0: localLength must be/);
  throws(() => comm.allocateShared(Array as unknown as Int32ArrayConstructor, 1), /Type must be a typed-array/);
}

// 9. free() refuses, on every rank, while a send from the window or a receive into it is in flight
if (size > 1) {
  const n = 64 * 1024; // 512 KiB: a rendezvous, or queued for the ring: in flight until received
  const win = comm.allocateShared(Float64Array, n);
  win.local.fill(rank + 1);
  win.fence();
  const req = rank === 1 ? comm.isend(win.local, 0, 8) : null;
  throws(() => win.free(), /free: rank 1: a send from this array to rank 0 \(tag 8\) is still in flight/);
  if (rank === 0) {
    const got = comm.recv(1, 8) as Float64Array;
    equal(got[0], 2);
    equal(got[n - 1], 2);
  }
  req?.wait();
  const into = rank === 0 ? comm.irecvInto(win.local.subarray(0, 10), 1, 9) : null;
  throws(() => win.free(), /free: rank 0: a receive into this array from rank 1 \(tag 9\) has not completed/);
  if (rank === 1) comm.send(new Float64Array(10).fill(7), 0, 9);
  into?.wait();
  win.fence();
  equal(win.segment(0)[9], 7);
  win.fence();
  win.free();
}

// 10. operands are converted to the window's element type first, as a store (put) converts them
{
  const u32 = comm.allocateShared(Uint32Array, 2);
  const u8 = comm.allocateShared(Uint8Array, 1);
  const bu = comm.allocateShared(BigUint64Array, 1);
  const i32 = comm.allocateShared(Int32Array, 1);
  const cl = comm.allocateShared(Uint8ClampedArray, 1);
  u8.local[0] = 100;
  i32.local[0] = 3;
  cl.local[0] = 255;
  for (const w of [u32, u8, bu, i32, cl] as { fence(): void }[]) w.fence();
  u32.fetchAndOp(-1, rank, 0, MAX);
  u32.accumulate([-1], rank, 1, MAX);
  equal(u8.fetchAndOp(300, rank, 0, MAX), 100); // 300 is 44 as a Uint8: max(100, 44)
  bu.fetchAndOp(-1n, rank, 0, MAX);
  i32.fetchAndOp(2.5, rank, 0, MIN);
  equal(cl.compareAndSwap(7, 300, rank, 0), 255); // 300 is 255 as a Uint8Clamped: equal, swapped
  for (const w of [u32, u8, bu, i32, cl] as { fence(): void }[]) w.fence();
  deepEqual(Array.from(u32.local), [2 ** 32 - 1, 2 ** 32 - 1]);
  equal(u8.local[0], 100);
  equal(bu.local[0], 2n ** 64n - 1n);
  equal(i32.local[0], 2);
  equal(cl.local[0], 7);
  for (const w of [u32, u8, bu, i32, cl] as { fence(): void; free(): void }[]) {
    w.fence();
    w.free();
  }
}

// 11. a source that is part of the target (a subarray of the window) is read as it was before the call
for (const Type of [Int32Array, Float64Array] as const) {
  const win = comm.allocateShared(Type as Int32ArrayConstructor, 12);
  win.local.set([1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0]);
  win.fence();
  win.accumulate(win.local.subarray(0, 4), rank, 1, SUM);
  const before = new Type(4);
  win.getAccumulate(win.local.subarray(6, 10), before as never, rank, 7, SUM);
  win.fence();
  deepEqual(Array.from(win.local), [1, 2, 2, 2, 1, 0, 1, 2, 2, 2, 1, 0], `${Type.name}: accumulate from itself`);
  deepEqual(Array.from(before), [1, 1, 1, 0]);
  win.fence();
  win.free();
}

// 12. a call that fails opens no epoch; lock options are checked; a window outlives its communicator's free()
{
  const win = comm.allocateShared(Int32Array, 2);
  win.fence();
  throws(() => win.put([1, 2], rank, 1), /put: offset 1 \+ 2 elements is outside/);
  throws(() => win.get(new Int32Array(1), rank, NaN), /get: offset NaN/);
  throws(() => win.fetchAndOp(1, rank, -1), /fetchAndOp: offset -1/);
  throws(() => win.put([1, Number.NaN as unknown as number, "x" as unknown as number], rank, 0), /put: source must/);
  win.lock(rank); // valid: no one-sided call followed the fence
  throws(() => win.lock(0, { exclusive: "yes" as unknown as boolean }), /lock: options\.exclusive must be a boolean/);
  win.unlock(rank);
  win.fence();
  win.free();
  const dup = comm.dup();
  const w2 = dup.allocateShared(Int32Array, 1);
  dup.free(); // MPI_Comm_free: the window keeps its own reference, as in MPI
  w2.fence();
  w2.accumulate([1], 0, 0, SUM);
  w2.fence();
  if (rank === 0) equal(w2.local[0], size);
  w2.fence();
  w2.free();
}
