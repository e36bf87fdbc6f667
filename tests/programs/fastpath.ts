// Adversarial programs for the shared-memory fast paths (send/recvInto that
// never enter the wait loop, lazy release of ring cells). Deno.args[0] picks
// the case; each throws on a wrong answer.
import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { ANY_SOURCE, ANY_TAG, PROC_NULL, SpmdError, Status, TruncateError, waitAny, world } from "../../mod.ts";
import { rng } from "../_util.ts";

const comm = world();
const how = Deno.args[0];
const rank = comm.rank;
/** Receives that the direct path of recvInto took (the backend's tryRecvInto returned a message). */
let hits = 0;
{
  // deno-lint-ignore no-explicit-any
  const t = comm.transport as any;
  if (typeof t.tryRecvInto === "function") {
    const orig = t.tryRecvInto.bind(t);
    t.tryRecvInto = (...a: unknown[]) => {
      const r = orig(...a);
      if (r !== null) hits++;
      return r;
    };
  }
}

if (how === "pingpong") {
  // Ranks 0 and 1 ping-pong typed arrays (every call on the fast paths) for up to Deno.args[1] seconds; a job
  // timeout or another rank's failure must stop them.
  const limit = Number(Deno.args[1] ?? 20) * 1000;
  const x = new Float64Array(1);
  const peer = 1 - rank;
  const t0 = performance.now();
  let i = 0;
  for (; performance.now() - t0 < limit; i++) {
    if (rank === 0) {
      x[0] = i;
      comm.send(x, peer, 1);
      comm.recvInto(x, peer, 1);
    } else {
      comm.recvInto(x, peer, 1);
      comm.send(x, peer, 1);
    }
  }
  console.log(`rank ${rank}: STILL RUNNING after ${limit} ms in the fast paths (${i} round trips)`);
}

if (how === "send-to-host") {
  // Rank 1 sends Deno.args[1] small typed arrays to rank 0 (a host: the launcher's thread), then finishes.
  const n = Number(Deno.args[1] ?? 3);
  for (let i = 0; i < n; i++) comm.send(new Float64Array([i]), 0, 1);
}

if (how === "order") {
  // Rank 0 sends a batch of messages and raises a flag in shared memory; rank 1 spins on the flag (no spmd call,
  // so nothing is pulled from the ring) and then receives: its receives find the frames waiting in the ring, where
  // the direct path of recvInto takes them when it may. Every receive is checked against what MPI says it gets.
  const win = comm.allocateShared(Int32Array, rank === 0 ? 4 : 0);
  const flag = win.all;
  let b = 0;
  const deadline = () => performance.now() + 30000;
  /** One batch: rank 0 runs `send` and raises the flag; rank 1 waits for it, runs `recv`; then they meet. */
  const batch = async (send: () => void | Promise<void>, recv: () => void | Promise<void>) => {
    b++;
    if (rank === 0) {
      await send();
      Atomics.store(flag, 0, b);
      comm.recv(1, 999); // rank 1 is done with the batch
    } else if (rank === 1) {
      const end = deadline();
      while (Atomics.load(flag, 0) < b) if (performance.now() > end) throw new Error(`batch ${b}: no flag`);
      await recv();
      comm.send(0, 0, 999);
    }
  };
  const f64 = (...v: number[]) => new Float64Array(v);

  // 1. Tags out of order with a posted irecv: the oldest posted receive matches first, per tag order.
  await batch(() => {
    comm.send(f64(1), 1, 1);
    comm.send(f64(2), 1, 2);
    comm.send(f64(3), 1, 1);
    comm.send(f64(4), 1, 2);
  }, () => {
    const a = new Float64Array(1), b2 = new Float64Array(1), c = new Float64Array(1), d = new Float64Array(1);
    const r = comm.irecvInto(b2, 0, 2);
    const s = new Status();
    comm.recvInto(a, 0, 1);
    const st = comm.recvInto(c, 0, 1);
    equal(st.tag, 1);
    r.wait(s);
    comm.recvInto(d, 0, 2);
    deepEqual([a[0], b2[0], c[0], d[0]], [1, 2, 3, 4]);
    equal(s.tag, 2);
  });

  // 2. A specific tag that is not at the head: the head goes to the unexpected queue, later taken in order.
  await batch(() => {
    for (let i = 0; i < 5; i++) comm.send(f64(i), 1, 10 + (i % 2));
  }, () => {
    const x = new Float64Array(1);
    const got: number[] = [];
    for (const tag of [11, 11, 10, 10, 10]) {
      comm.recvInto(x, 0, tag);
      got.push(x[0]);
    }
    deepEqual(got, [1, 3, 0, 2, 4]);
  });

  // 3. ANY_TAG, status of each (the direct path reuses its record): tags and byte counts must be each message's.
  await batch(() => {
    comm.send(new Uint8Array([1, 2, 3]), 1, 21);
    comm.send(new Int32Array([7, 8]), 1, 22);
    comm.send(new Uint8Array(0), 1, 23);
  }, () => {
    const x = new Uint8Array(16);
    const s1 = comm.recvInto(x, 0, ANY_TAG);
    const s2 = comm.recvInto(x, 0, ANY_TAG);
    const s3 = comm.recvInto(x, 0, ANY_TAG);
    deepEqual([s1.tag, s1.bytes, s2.tag, s2.bytes, s3.tag, s3.bytes], [21, 3, 22, 8, 23, 0]);
    deepEqual([...new Int32Array(x.buffer, 0, 2)], [7, 8]);
  });

  // 3b. A Status given to recvInto is the one filled and returned, on the direct path, with a receive posted before
  // it (the direct path then steps aside), from this rank itself, and from PROC_NULL.
  await batch(() => {
    comm.send(new Uint8Array([1, 2, 3]), 1, 24);
    comm.send(new Int32Array([7, 8]), 1, 25);
    comm.send(new Uint8Array(5), 1, 27);
    comm.send(new Float64Array(2), 1, 28);
  }, () => {
    const x = new Uint8Array(16);
    const given = new Status();
    given.cancelled = true; // as a Status that served a cancelled request before: a receive clears it
    given.error = new Error("an earlier request's");
    equal(comm.recvInto(x, 0, 24, given), given);
    deepEqual([given.source, given.tag, given.bytes, given.cancelled, given.error], [0, 24, 3, false, null]);
    const r = comm.irecvInto(new Uint8Array(16), 0, 27);
    equal(comm.recvInto(x, 0, ANY_TAG, given), given);
    deepEqual([given.source, given.tag, given.bytes], [0, 25, 8]);
    r.wait();
    comm.send(new Float64Array([9]), 1, 26);
    equal(comm.recvInto(x, ANY_SOURCE, 26, given), given);
    deepEqual([given.source, given.tag, given.bytes], [1, 26, 8]);
    equal(comm.recvInto(x, PROC_NULL, 0, given), given);
    deepEqual([given.source, given.tag, given.bytes], [PROC_NULL, ANY_TAG, 0]);
    // A message that does not fit is consumed, and the given Status describes it (as a request's wait does).
    throws(() => comm.recvInto(new Float64Array(1), 0, 28, given), (e: unknown) => e instanceof TruncateError);
    deepEqual([given.source, given.tag, given.bytes], [0, 28, 16]);
  });

  // 4. Not a typed array / too large: fails by name, consumed; the next message is the next one.
  await batch(() => {
    comm.send("a string", 1, 31);
    comm.send(f64(1, 2, 3, 4), 1, 31);
    comm.send(f64(5), 1, 31);
  }, () => {
    const x = new Float64Array(2);
    throws(() => comm.recvInto(x, 0, 31), (e: unknown) => e instanceof SpmdError && e.code === "MPI_ERR_TYPE");
    throws(() => comm.recvInto(x, 0, 31), (e: unknown) => e instanceof SpmdError && e.code === "MPI_ERR_TRUNCATE");
    comm.recvInto(x, 0, 31);
    equal(x[0], 5);
  });

  // 5. One buffer seen through different views (cached byte views): Uint8Array, then Float64Array, subarray, DataView.
  await batch(() => {
    comm.send(new Uint8Array([9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]), 1, 41);
    comm.send(f64(1.5, 2.5), 1, 41);
    comm.send(f64(7), 1, 41);
    comm.send(new Uint8Array([1, 2]), 1, 41);
    comm.send(new Uint8Array([3, 4]), 1, 41);
  }, () => {
    const buf = new ArrayBuffer(16);
    const u8 = new Uint8Array(buf);
    const f = new Float64Array(buf);
    comm.recvInto(u8, 0, 41);
    equal(u8[15], 9);
    comm.recvInto(f, 0, 41);
    deepEqual([...f], [1.5, 2.5]);
    comm.recvInto(f.subarray(1), 0, 41);
    deepEqual([...f], [1.5, 7]);
    const dv = new DataView(buf, 4, 2);
    comm.recvInto(dv, 0, 41);
    deepEqual(
      [...u8.subarray(0, 8)],
      [...new Uint8Array(f64(1.5).buffer)].map((v, i) => i === 4 ? 1 : i === 5 ? 2 : v),
    );
    comm.recvInto(u8.subarray(14), 0, 41);
    deepEqual([...u8.subarray(14)], [3, 4]);
  });

  // 6. The same array detached between receives: the second receive fails by name and takes nothing.
  await batch(() => {
    comm.send(f64(1), 1, 51);
    comm.send(f64(2), 1, 51);
  }, () => {
    const x = new Float64Array(1);
    comm.recvInto(x, 0, 51);
    equal(x[0], 1);
    structuredClone(x.buffer, { transfer: [x.buffer] });
    throws(() => comm.recvInto(x, 0, 51), (e: unknown) => e instanceof SpmdError && e.code === "MPI_ERR_BUFFER");
    const y = new Float64Array(1);
    comm.recvInto(y, 0, 51);
    equal(y[0], 2);
  });

  // 7. A length-tracking view of a resizable buffer, shrunk and grown between receives.
  await batch(() => {
    comm.send(f64(1, 2, 3, 4), 1, 61);
    comm.send(f64(5, 6, 7, 8), 1, 61);
    comm.send(f64(9), 1, 61);
    comm.send(f64(10, 11, 12), 1, 61);
  }, () => {
    // deno-lint-ignore no-explicit-any
    const rab = new (ArrayBuffer as any)(32, { maxByteLength: 64 }) as ArrayBuffer & { resize(n: number): void };
    const v = new Float64Array(rab);
    comm.recvInto(v, 0, 61);
    deepEqual([...v], [1, 2, 3, 4]);
    rab.resize(16);
    throws(() => comm.recvInto(v, 0, 61), (e: unknown) => e instanceof SpmdError && e.code === "MPI_ERR_TRUNCATE");
    comm.recvInto(v, 0, 61);
    deepEqual([...v], [9, 2]); // the shrunk buffer kept its bytes
    rab.resize(32);
    comm.recvInto(v, 0, 61);
    deepEqual([...v], [10, 11, 12, 0]);
  });

  // 8. Sizes around the cell and loop limits (64, 96, 97, 255, 256, 480, 481 bytes: the default cells hold 480 since
  // 2026-11-27, the ring tests use 128-byte ones), zero, and many more messages than cells.
  await batch(() => {
    for (
      const n of [0, 1, 63, 64, 65, 95, 96, 97, 98, 128, 255, 256, 479, 480, 481, 488, 512, 1000, 4096, 65536, 65537]
    ) {
      comm.send(new Uint8Array(n).map((_, i) => (i * 7 + n) & 255), 1, 71);
    }
  }, () => {
    const x = new Uint8Array(70000);
    for (
      const n of [0, 1, 63, 64, 65, 95, 96, 97, 98, 128, 255, 256, 479, 480, 481, 488, 512, 1000, 4096, 65536, 65537]
    ) {
      const st = comm.recvInto(x, 0, 71);
      equal(st.bytes, n);
      for (let i = 0; i < n; i++) if (x[i] !== ((i * 7 + n) & 255)) throw new Error(`size ${n}: byte ${i} wrong`);
    }
  });
  // (With Deno.args[1] = "held": three batches of 60 small messages, fewer than a ring's 64 cells, while the
  // receiver waits on the flag outside spmd: each fits unless the receiver still holds cells it has read.)
  if (Deno.args[1] === "held") {
    for (let round = 0; round < 3; round++) {
      await batch(() => {
        for (let i = 0; i < 30; i++) comm.send(f64(round * 100 + i), 1, 72);
        for (let i = 0; i < 30; i++) comm.send(new Uint8Array(200).fill(i), 1, 73);
      }, () => {
        const x = new Float64Array(1);
        for (let i = 0; i < 30; i++) {
          comm.recvInto(x, 0, 72);
          equal(x[0], round * 100 + i);
        }
        const y = new Uint8Array(200);
        for (let i = 0; i < 30; i++) {
          comm.recvInto(y, 0, 73);
          ok(y.every((v) => v === i), `200-byte message ${i}`);
        }
      });
    }
  }

  // 9. Larger than the ring, and rendezvous (an alloc'd array of 64 KiB), between small ones.
  await batch(() => {
    comm.send(f64(1), 1, 81);
    const big = new Float64Array(600000).map((_, i) => i);
    const r1 = comm.isend(big, 1, 81);
    const heap = comm.alloc(Float64Array, 8192);
    for (let i = 0; i < heap.length; i++) heap[i] = -i;
    const r2 = comm.isend(heap, 1, 81);
    const r3 = comm.isend(f64(2), 1, 81); // behind the big one: a blocking send would wait for it
    Atomics.store(flag, 0, b); // before waiting: rank 1 must receive for these to finish
    r1.wait();
    r2.wait();
    r3.wait();
    comm.free(heap);
  }, () => {
    const x = new Float64Array(600000);
    comm.recvInto(x, 0, 81);
    equal(x[0], 1);
    comm.recvInto(x, 0, 81);
    ok(x.every((v, i) => v === i), "big message");
    const st = comm.recvInto(x, 0, 81);
    equal(st.bytes, 65536);
    ok(x.subarray(0, 8192).every((v, i) => v === -i), "rendezvous message");
    comm.recvInto(x, 0, 81);
    equal(x[0], 2);
  });

  // 10. Probes and matched probes before a direct receive.
  await batch(() => {
    comm.send(f64(1), 1, 91);
    comm.send(f64(2), 1, 92);
    comm.send(f64(3), 1, 91);
  }, () => {
    const x = new Float64Array(1);
    const st = comm.probe(0, 92);
    equal(st.tag, 92);
    const m = comm.mprobe(0, 91);
    comm.recvInto(x, 0, 91);
    equal(x[0], 3);
    m.recvInto(x);
    equal(x[0], 1);
    comm.recvInto(x, 0, 92);
    equal(x[0], 2);
  });

  // 11. Synchronous sends: the direct path leaves them to the general one, which acknowledges.
  await batch(() => {
    const r = comm.issend(f64(1), 1, 95);
    comm.send(f64(2), 1, 95);
    Atomics.store(flag, 0, b);
    r.wait();
  }, () => {
    const x = new Float64Array(1);
    comm.recvInto(x, 0, 95);
    equal(x[0], 1);
    comm.recvInto(x, 0, 95);
    equal(x[0], 2);
  });

  // 12. A message from self and ANY_SOURCE around a direct receive (any order across sources; per source, FIFO).
  await batch(() => {
    comm.send(f64(1), 1, 97);
    comm.send(f64(2), 1, 97);
  }, () => {
    const x = new Float64Array(1);
    comm.send(f64(-1), 1, 97);
    const got: number[] = [];
    const st = comm.recvInto(x, ANY_SOURCE, 97);
    got.push(x[0]);
    ok(st.source === 0 || st.source === 1);
    comm.recvInto(x, 0, 97);
    got.push(x[0]);
    comm.recvInto(x, ANY_SOURCE, 97);
    got.push(x[0]);
    deepEqual(got.filter((v) => v > 0), [1, 2]);
    deepEqual(got.sort(), [-1, 1, 2]);
  });

  if (rank === 1) ok(hits >= 10, `only ${hits} receives took the direct path`);
  comm.barrier();
  win.free();
}

if (how === "held") {
  // Rank 1 reads 31 small messages (fewer than half the 64 cells of a 2-rank ring), then waits outside spmd for
  // a flag in a shared window; rank 0 then sends 64 small messages, which the ring has cells for once rank 1's
  // reads are released, and raises the flag. Rank 1 never calls spmd while it waits.
  const win = comm.allocateShared(Int32Array, rank === 0 ? 1 : 0);
  const flag = win.all;
  const x = new Float64Array(1);
  if (rank === 0) {
    for (let i = 0; i < 31; i++) comm.send(new Float64Array([i]), 1, 1);
    Atomics.store(flag, 0, 1);
    comm.recv(1, 2); // rank 1 has read them
    for (let i = 0; i < 64; i++) comm.send(new Float64Array([i]), 1, 3);
    Atomics.store(flag, 0, 2);
  } else {
    const end = performance.now() + 20000;
    while (Atomics.load(flag, 0) < 1) if (performance.now() > end) throw new Error("no first flag");
    for (let i = 0; i < 31; i++) {
      comm.recvInto(x, 0, 1);
      if (x[0] !== i) throw new Error(`got ${x[0]}, expected ${i}`);
    }
    comm.send(0, 0, 2);
    while (Atomics.load(flag, 0) < 2) {
      if (performance.now() > end) throw new Error("rank 0 never sent its 64 messages (blocked for want of cells)");
    }
    for (let i = 0; i < 64; i++) comm.recvInto(x, 0, 3);
  }
  comm.barrier();
  win.free();
}

if (how === "traced") {
  // Typed messages through send/recvInto both ways (the fast paths when untraced), and numbers.
  const n = Number(Deno.args[1] ?? 200);
  const peer = 1 - rank;
  const x = new Float64Array(2);
  for (let i = 0; i < n; i++) {
    if (rank === 0) {
      comm.send(new Float64Array([i, -i]), peer, 5);
      comm.recvInto(x, peer, 6);
    } else {
      comm.recvInto(x, peer, 5);
      comm.send(x, peer, 6);
    }
    if (x[0] !== i || x[1] !== -i) throw new Error(`rank ${rank}: round ${i} got ${x}`);
  }
}

if (how === "recvinto-cycle") {
  // Every rank waits in recvInto for the next: a deadlock the monitor must name.
  const x = new Float64Array(1);
  comm.recvInto(x, (rank + 1) % comm.size, 4);
}

if (how === "ring") {
  // A ring of typed messages around every rank, Deno.args[1] rounds (oversubscribed jobs must not crawl).
  const n = Number(Deno.args[1] ?? 2000);
  const size = comm.size;
  const x = new Float64Array(1);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    if (rank === 0) {
      x[0] = i;
      comm.send(x, 1 % size, 1);
      comm.recvInto(x, size - 1, 1);
      if (x[0] !== i + size - 1) throw new Error(`round ${i}: ${x[0]}`);
    } else {
      comm.recvInto(x, rank - 1, 1);
      x[0]++;
      comm.send(x, (rank + 1) % size, 1);
    }
  }
  if (rank === 0) console.log(`ring of ${size}: ${((performance.now() - t0) * 1000 / n).toFixed(1)} us per round`);
}

if (how === "random") {
  // Random typed traffic received by recvInto from named sources (the direct path's case), with tags received out
  // of order, ANY_TAG, receives posted ahead, sizes around the cell and ring limits; every byte checked.
  const ROUNDS = Number(Deno.args[1] ?? 200);
  const SEED = Number(Deno.args[2] ?? 7);
  const size = comm.size;
  const SIZES = [0, 1, 8, 16, 63, 64, 65, 96, 97, 104, 200, 256, 479, 480, 481, 512, 1024, 4096, 65536, 65544, 200000];
  type Msg = { s: number; d: number; i: number; tag: number; bytes: number };
  const fill = (m: Msg, round: number): number => (round * 131 + m.s * 31 + m.d * 17 + m.i * 7) & 255;
  const bufU8 = new Uint8Array(200008);
  const bufF64 = new Float64Array(bufU8.buffer, 0, 25001);
  let checked = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const r = rng(SEED * 1000003 + round);
    const plan: Msg[][] = []; // plan[d]: messages to d, in each sender's send order
    for (let d = 0; d < size; d++) plan.push([]);
    const sends: Msg[] = [];
    for (let s = 0; s < size; s++) {
      for (let d = 0; d < size; d++) {
        if (s === d) continue;
        const n = Math.floor(r() * 6);
        for (let i = 0; i < n; i++) {
          const big = r() < 0.05;
          const bytes = big ? SIZES[13 + Math.floor(r() * 3)] : SIZES[Math.floor(r() * 13)];
          const m = { s, d, i, tag: Math.floor(r() * 3), bytes };
          plan[d].push(m);
          if (s === rank) sends.push(m);
        }
      }
    }
    // Interleave this rank's sends over destinations (order per destination kept).
    const order = sends.map((m) => ({ m, k: m.d * 0 + r() })).sort((a, b) => a.k - b.k);
    const byDest = new Map<number, Msg[]>();
    for (const m of sends) byDest.set(m.d, [...(byDest.get(m.d) ?? []), m]);
    const reqs = [];
    const cursor = new Map<number, number>();
    for (const _ of order) {
      // the next message to a random destination that still has some, in its order
      const left = [...byDest.keys()].filter((d) => (cursor.get(d) ?? 0) < byDest.get(d)!.length);
      const d = left[Math.floor(r() * left.length)];
      const m = byDest.get(d)![cursor.get(d) ?? 0];
      cursor.set(d, (cursor.get(d) ?? 0) + 1);
      const a = new Uint8Array(m.bytes).fill(fill(m, round));
      if (m.bytes >= 8) new DataView(a.buffer).setUint32(0, round * 4096 + m.i); // distinct head
      if (m.bytes > 65536 || r() < 0.3) reqs.push(comm.isend(a, d, m.tag));
      else comm.send(a, d, m.tag);
    }
    // Receive what comes to this rank: per source, a random interleaving of the tags (each tag's order kept).
    const mine = plan[rank];
    const sources = [...new Set(mine.map((m) => m.s))].sort(() => r() - 0.5);
    for (const s of sources) {
      const from = mine.filter((m) => m.s === s);
      const queues = [0, 1, 2].map((t) => from.filter((m) => m.tag === t));
      let nextInOrder = 0;
      const taken = new Set<number>();
      while (queues.some((q) => q.length > 0)) {
        const ts = [0, 1, 2].filter((t) => queues[t].length > 0);
        let m: Msg;
        let tag: number;
        if (r() < 0.3) {
          m = from[nextInOrder];
          queues[m.tag].shift();
          tag = ANY_TAG;
        } else {
          const t = ts[Math.floor(r() * ts.length)];
          m = queues[t].shift()!;
          tag = t;
        }
        taken.add(m.i);
        while (nextInOrder < from.length && taken.has(from[nextInOrder].i)) nextInOrder++;
        // (ANY_TAG takes the oldest message from s not yet received: from[nextInOrder], whatever was taken before.)
        const st = new Status();
        const useF64 = m.bytes % 8 === 0 && r() < 0.5;
        if (r() < 0.2) {
          const q = useF64
            ? comm.irecvInto(bufF64.subarray(0, m.bytes / 8), s, tag)
            : comm.irecvInto(bufU8.subarray(0, m.bytes), s, tag);
          q.wait(st);
        } else {
          const stt = useF64 ? comm.recvInto(bufF64, s, tag) : comm.recvInto(bufU8, s, tag);
          st.source = stt.source;
          st.tag = stt.tag;
          st.bytes = stt.bytes;
        }
        if (st.source !== s || st.tag !== m.tag || st.bytes !== m.bytes) {
          throw new Error(
            `round ${round}: rank ${rank} from ${s} expected tag ${m.tag} ${m.bytes} B (#${m.i}), got tag ${st.tag} ` +
              `${st.bytes} B from ${st.source}`,
          );
        }
        const v = fill(m, round);
        for (let k = m.bytes >= 8 ? 4 : 0; k < m.bytes; k++) {
          if (bufU8[k] !== v) throw new Error(`round ${round}: rank ${rank} from ${s} #${m.i}: byte ${k} wrong`);
        }
        if (m.bytes >= 8 && new DataView(bufU8.buffer).getUint32(0) !== round * 4096 + m.i) {
          throw new Error(`round ${round}: rank ${rank} from ${s}: message #${m.i} out of order`);
        }
        checked++;
      }
    }
    for (const q of reqs) q.wait();
    if (round % 50 === 49) comm.barrier();
  }
  const total = comm.allreduce(checked);
  const direct = comm.allreduce(hits);
  if (rank === 0) console.log(`random: ${size} ranks, ${ROUNDS} rounds, ${total} messages checked, ${direct} direct`);
}

if (how === "stream") {
  // Rank 0 streams Deno.args[1] messages of random sizes and tags (0, 1) to rank 1, 16 at a time between acks;
  // rank 1 receives them with recvInto, mostly ANY_TAG in arrival order (the direct path's case), sometimes the
  // other tag first (the head then waits in the unexpected queue). Every byte and status is checked.
  const N = Number(Deno.args[1] ?? 20000);
  const r = rng(99);
  const SIZES = [0, 8, 24, 64, 65, 96, 97, 128, 480, 481, 1000, 5000, 70000];
  const plan = Array.from({ length: N }, (_, i) => ({
    i,
    tag: r() < 0.5 ? 0 : 1,
    bytes: SIZES[Math.floor(r() * (r() < 0.02 ? SIZES.length : SIZES.length - 2))],
  }));
  const byteOf = (i: number) => (i * 13) & 255;
  if (rank === 0) {
    const a = new Uint8Array(70000);
    for (const m of plan) {
      a.fill(byteOf(m.i), 0, m.bytes);
      if (m.bytes >= 4) new DataView(a.buffer).setUint32(0, m.i);
      comm.send(a.subarray(0, m.bytes), 1, m.tag);
      if (m.i % 16 === 15) comm.recvInto(new Uint8Array(0), 1, 9);
    }
  } else if (rank === 1) {
    const got = new Uint8Array(70000);
    const dv = new DataView(got.buffer);
    const done = new Uint8Array(N);
    let next = 0; // oldest message not yet received
    let window = 0; // messages of the current window of 16 received
    const check = (m: { i: number; tag: number; bytes: number }, st: Status) => {
      if (st.tag !== m.tag || st.bytes !== m.bytes) {
        throw new Error(`message ${m.i}: expected tag ${m.tag} ${m.bytes} B, got tag ${st.tag} ${st.bytes} B`);
      }
      if (m.bytes >= 4 && dv.getUint32(0) !== m.i) throw new Error(`message ${m.i}: got #${dv.getUint32(0)}`);
      for (let k = 4; k < m.bytes; k++) if (got[k] !== byteOf(m.i)) throw new Error(`message ${m.i}: byte ${k}`);
      done[m.i] = 1;
      if (++window === 16) {
        window = 0;
        comm.send(new Uint8Array(0), 0, 9);
      }
    };
    const windowEnd = () => Math.min(N, (Math.floor(next / 16) + 1) * 16);
    while (next < N) {
      const m = plan[next];
      if (r() < 0.1) {
        // The first message of the other tag in this window, if any, before this one.
        const end = windowEnd();
        let j = next + 1;
        while (j < end && (done[j] || plan[j].tag === m.tag)) j++;
        if (j < end) {
          check(plan[j], comm.recvInto(got, 0, plan[j].tag));
          continue;
        }
      }
      check(m, comm.recvInto(got, 0, r() < 0.5 ? ANY_TAG : m.tag));
      while (next < N && done[next]) next++;
    }
  }
  const direct = comm.allreduce(hits);
  if (rank === 0) console.log(`stream: ${N} messages checked, ${direct} direct`);
}

if (how === "held-wait") {
  // Rank 1 reads 31 small messages straight from the ring (held back: fewer than half the cells), then waits in
  // the spmd call named by Deno.args[1] while rank 0 still needs those cells for 64 more messages before it can
  // do its part of that call: the wait must release what was read, or both wait for ever.
  const kind = Deno.args[1];
  const win = comm.allocateShared(Int32Array, rank === 0 ? 2 : 0);
  const flag = win.all;
  const x = new Float64Array(1);
  const end = performance.now() + 20000;
  if (rank === 0) {
    if (kind === "lock") win.lock(0, { exclusive: true });
    // Only once rank 1 has left allocateShared: a wait there would take the messages into its unexpected queue,
    // and the reads below would not be direct (word 1: rank 1 is out; nothing spmd on either side until then).
    while (Atomics.load(flag, 1) < 1) if (performance.now() > end) throw new Error("rank 1 never left allocateShared");
    for (let i = 0; i < 31; i++) comm.send(new Float64Array([i]), 1, 1);
    Atomics.store(flag, 0, 1);
    for (let i = 0; i < 64; i++) comm.send(new Float64Array([i]), 1, 3); // blocks until rank 1 releases cells
    if (kind === "lock") win.unlock(0);
    else if (kind === "barrier") comm.barrier();
    else if (kind === "ibarrier") comm.ibarrier().wait();
    else comm.send(new Float64Array([-1]), 1, 5); // waitany, await, probe, recv
  } else if (rank === 1) {
    Atomics.store(flag, 1, 1);
    while (Atomics.load(flag, 0) < 1) if (performance.now() > end) throw new Error("no flag");
    for (let i = 0; i < 31; i++) {
      comm.recvInto(x, 0, 1);
      equal(x[0], i);
    }
    equal(hits, 31, "the 31 reads took the direct path (else this case tests nothing)");
    if (kind === "lock") {
      win.lock(0, { exclusive: true });
      win.unlock(0);
    } else if (kind === "barrier") comm.barrier();
    else if (kind === "ibarrier") comm.ibarrier().wait();
    else if (kind === "waitany") {
      const rs = [comm.irecvInto(x, 0, 5), comm.irecv(0, 6)];
      equal(waitAny(rs)[0], 0);
      rs[1].cancel();
    } else if (kind === "await") await comm.irecvInto(x, 0, 5);
    else if (kind === "probe") comm.probe(0, 5);
    else if (kind === "recv") comm.recv(0, 5);
    else throw new Error(`no wait kind ${kind}`);
    if (kind === "probe" || kind === "waitany" || kind === "await") {
      if (kind === "probe") comm.recvInto(x, 0, 5);
      equal(x[0], -1);
    }
    for (let i = 0; i < 64; i++) {
      comm.recvInto(x, 0, 3);
      equal(x[0], i);
    }
  }
  comm.barrier();
  win.free();
}

if (how === "after-abort") {
  // Rank 2 fails; rank 0 catches the AbortedError of its receive and tries more calls (as a program that cleans
  // up might): each must throw, as the job is being stopped. Prints each outcome.
  if (rank === 2) {
    comm.recv(0, 1);
    throw new Error("rank 2 fails on purpose");
  }
  if (rank === 0) {
    comm.send(0, 2, 1);
    try {
      comm.recv(2, 5);
    } catch (e) {
      console.log(`rank 0: recv threw ${(e as Error).name}`);
    }
    const calls: [string, () => unknown][] = [
      ["send(number)", () => comm.send(1, 1, 3)],
      ["send(Float64Array)", () => comm.send(new Float64Array(1), 1, 3)],
      ["isend(Float64Array)", () => comm.isend(new Float64Array(1), 1, 3)],
    ];
    for (const [what, f] of calls) {
      try {
        f();
        console.log(`rank 0: ${what} after the abort returned`);
      } catch (e) {
        console.log(`rank 0: ${what} after the abort threw ${(e as Error).name}`);
      }
    }
  }
  if (rank === 1) comm.recv(0, 9);
}

if (how === "held-rma-poll") {
  // As "held", but rank 1 waits with spmd calls only: it polls a counter in rank 0's window segment with
  // lock / get / unlock (passive target), none of which has to wait. Rank 0 sends 31 messages and sets the counter
  // to 1; rank 1 reads them (from the ring: held back) and polls for 2; rank 0 sends 64 more (cells for them exist
  // once rank 1's reads are released), then sets the counter to 2.
  const win = comm.allocateShared(Int32Array, rank === 0 ? 2 : 0);
  const x = new Float64Array(1);
  const got = new Int32Array(1);
  const set = (v: number) => {
    win.lock(0); // shared, as the reader's: neither ever waits for the other
    win.put(v, 0, 0);
    win.unlock(0);
  };
  const end = performance.now() + 20000;
  const poll = (v: number) => {
    for (;;) {
      win.lock(0);
      win.get(got, 0, 0);
      win.unlock(0);
      if (got[0] >= v) return;
      if (performance.now() > end) throw new Error(`rank 0 never set the counter to ${v} (blocked for want of cells)`);
    }
  };
  if (rank === 0) {
    // Only once rank 1 has left allocateShared (word 1), as in "held-wait": else its wait there could take the
    // messages into its unexpected queue, and its reads would not be direct.
    while (Atomics.load(win.all, 1) < 1) {
      if (performance.now() > end) throw new Error("rank 1 never left allocateShared");
    }
    for (let i = 0; i < 31; i++) comm.send(new Float64Array([i]), 1, 1);
    set(1);
    for (let i = 0; i < 64; i++) comm.send(new Float64Array([i]), 1, 3);
    set(2);
  } else if (rank === 1) {
    Atomics.store(win.all, 1, 1);
    poll(1);
    for (let i = 0; i < 31; i++) comm.recvInto(x, 0, 1);
    equal(hits, 31, "the 31 reads took the direct path (else this case tests nothing)");
    poll(2);
    for (let i = 0; i < 64; i++) comm.recvInto(x, 0, 3);
  }
  comm.barrier();
  win.free();
}
