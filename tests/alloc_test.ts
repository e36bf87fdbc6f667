// comm.alloc / comm.free (MPI_Alloc_mem / MPI_Free_mem) and single-copy
// sends of alloc'd arrays (transport/heap.ts, transport/rendezvous.ts):
// the allocator on its own, the rendezvous protocol between two endpoints
// driven from one thread, then whole jobs (tests/programs/alloc.ts).
import { deepEqual, equal, match, ok, rejects, throws } from "node:assert/strict";
import { JobError, spawn, SpmdError } from "../mod.ts";
import { createHeaps, DESC_SLOTS, Heap, HEAP_ALIGN, HEAP_BASE } from "../transport/heap.ts";
import { RDV_MIN, TEST_BOUNCE } from "../transport/rendezvous.ts";
import { unreadFrames } from "../transport/unread.ts";
import { createShm, layoutFor, MIN_RING_BYTES } from "../transport/shm_layout.ts";
import { ShmTransport } from "../transport/shm_transport.ts";
import type { PendingOp } from "../transport/transport.ts";
import { isendValue, sendValue, valueOf } from "../_message.ts";
import { checkPattern, cli, fillPattern, rng } from "./_util.ts";

const prog = new URL("./programs/alloc.ts", import.meta.url);

function job(size: number, args: string[], extra: Record<string, unknown> = {}): Promise<void> {
  return spawn(prog, { size, args, timeout: 120, ...extra });
}

function fails(size: number, args: string[], check: (e: JobError) => void, extra = {}): Promise<void> {
  return rejects(job(size, args, extra), (e: unknown) => {
    ok(e instanceof JobError, `not a JobError: ${e}`);
    check(e);
    return true;
  });
}

// ---- the allocator ------------------------------------------------------------

Deno.test("heap: blocks are 64-byte aligned, freed blocks coalesce and are reused, the limit holds", () => {
  const limit = 1 << 20;
  const h = new Heap(createHeaps(1, limit)[0]);
  const a = h.alloc(1);
  const b = h.alloc(100);
  const c = h.alloc(0);
  for (const off of [a, b, c]) equal(off % HEAP_ALIGN, 0);
  ok(a >= HEAP_BASE, "blocks come after the descriptors");
  equal(b - a, 64);
  equal(c - b, 128);
  equal(h.blocks, 3);
  equal(h.free(b), 128);
  equal(h.free(b), -1, "a double free is refused");
  equal(h.free(a + 8), -1, "only a block's start frees it");
  equal(h.alloc(64), a + 64, "first fit reuses the hole");
  h.free(a);
  h.free(a + 64);
  h.free(c);
  equal(h.inUse, 0);
  // Everything coalesced back into one free heap: the whole of it fits again.
  const all = h.alloc(limit - HEAP_BASE);
  equal(all, HEAP_BASE);
  equal(h.alloc(1), -1);
  ok(!h.fits(1));
  h.free(all);
  ok(h.fits(limit - HEAP_BASE));
  ok(!h.fits(limit - HEAP_BASE + 1));
});

Deno.test("heap: random alloc/free keeps blocks disjoint and gives everything back", () => {
  const limit = 4 << 20;
  const h = new Heap(createHeaps(1, limit)[0]);
  const rand = rng(7);
  const live = new Map<number, number>();
  for (let i = 0; i < 20_000; i++) {
    if (live.size > 0 && rand() < 0.5) {
      const keys = [...live.keys()];
      const k = keys[Math.floor(rand() * keys.length)];
      ok(h.free(k) >= live.get(k)!);
      live.delete(k);
    } else {
      const n = Math.floor(rand() * 20_000);
      const off = h.alloc(n);
      if (off < 0) continue;
      equal(off % HEAP_ALIGN, 0);
      ok(off + n <= h.sab.byteLength, "the heap grew to hold the block");
      for (const [o, len] of live) ok(off + n <= o || o + len <= off, `block ${off}+${n} overlaps ${o}+${len}`);
      live.set(off, n);
    }
  }
  for (const k of live.keys()) h.free(k);
  equal(h.inUse, 0);
  equal(h.alloc(limit - HEAP_BASE), HEAP_BASE);
});

// ---- the rendezvous protocol, two endpoints in one thread ---------------------------

/** The job's main SharedArrayBuffer of the last pair made. */
let shm: SharedArrayBuffer;

function pair(heapBytes = 64 << 20): [ShmTransport, ShmTransport] {
  const sab = shm = createShm(layoutFor(2, MIN_RING_BYTES));
  const heaps = createHeaps(2, heapBytes);
  // A tiny spin budget: a blocking send with no receiver bounces at once.
  return [new ShmTransport({ sab, heaps, rank: 0, spin: 4 }), new ShmTransport({ sab, heaps, rank: 1, spin: 4 })];
}

function heapBytes(t: ShmTransport, n: number, id: number): Uint8Array {
  const u8 = t.alloc(n);
  fillPattern(u8, id);
  return u8;
}

Deno.test("rendezvous: an isend of heap memory is copied by the receiver; the frame carries no payload", () => {
  const [a, b] = pair();
  const n = 100_003;
  const src = heapBytes(a, n, 1);
  const s = isendValue(a, src, 1, 3, 0, "isend");
  // The header alone is in the 4 KiB ring, naming the whole length.
  const frames = unreadFrames(shm, a.layout, 0, 1);
  deepEqual(frames, [{ length: n, tag: 3, context: 0, whole: true }]);
  ok(!a.test(s), "done before the receiver copied it");
  const env = b.probe(0, 3, 0);
  equal(env.length, n);
  const r = b.irecv(0, 3, 0, null);
  ok(b.test(r), "the receive completes at once, in one copy");
  ok(a.test(s), "the receiver's copy completes the send");
  const got = valueOf(b.wait(r)!, "wait") as Uint8Array;
  equal(got.length, n);
  equal(checkPattern(got, 1), -1);
  ok(!(got.buffer instanceof SharedArrayBuffer), "recv gives a fresh array");
  a.free(src);
});

Deno.test("rendezvous: a blocking send with no receive posted bounces and returns; the receiver gets the bytes as sent", () => {
  const [a, b] = pair();
  for (const n of [RDV_MIN, RDV_MIN + 1, 1 << 20, (1 << 20) + 7]) {
    const src = heapBytes(a, n, n);
    sendValue(a, src, 1, 4, 0, "send"); // returns, though no receiver runs in this thread
    src.fill(0); // the sender owns its array again
    a.free(src);
    const into = new Uint8Array(n + 100);
    const m = b.recvInto(into, 0, 4, 0);
    equal(m.length, n);
    equal(checkPattern(into.subarray(0, n), n), -1, `${n} B after the sender overwrote its array`);
  }
  // Every bounce block was returned once the receiver had copied it.
  const big = a.alloc((64 << 20) - HEAP_BASE - 64);
  a.free(big);
});

Deno.test("rendezvous: a receive that does not fit consumes the message and releases the sender", () => {
  const [a, b] = pair();
  const src = heapBytes(a, 50_000, 2);
  const s = isendValue(a, src, 1, 5, 0, "isend");
  const m = b.recvInto(new Uint8Array(10), 0, 5, 0);
  equal(m.length, 50_000);
  equal(m.bytes, null);
  ok(a.test(s), "the sender is released");
  equal(b.iprobe(0, 5, 0), null);
  a.free(src);
});

Deno.test("rendezvous: free refuses an array still being sent; a receiver's finalize lists unreceived rendezvous whole", () => {
  const [a, b] = pair();
  const src = heapBytes(a, 70_000, 3);
  const s = isendValue(a, src, 1, 6, 0, "isend");
  throws(() => a.free(src), (e: unknown) => {
    ok(e instanceof SpmdError);
    equal(e.code, "MPI_ERR_BUFFER");
    match(e.message, /^a send from this array to rank 1 \(tag 6\) is still in flight: wait for its request first/);
    return true;
  });
  b.iprobe(0, 6, 0); // it arrives (header only) and waits unexpected
  const left = b.finalize();
  deepEqual(left, [{ source: 0, dest: 1, tag: 6, context: 0, bytes: 70_000, whole: true }]);
  ok(!s.done);
});

Deno.test("rendezvous: to a receiver that has ended, sends bounce; an isend with no room for a bounce goes by the ring", () => {
  const [a, b] = pair(4 << 20);
  b.finalize();
  const src = heapBytes(a, 1 << 20, 9);
  sendValue(a, src, 1, 2, 0, "send"); // bounces (the bounce block stays: no one will copy it)
  const s1 = isendValue(a, src, 1, 3, 0, "isend");
  equal(a.wait(s1), null, "an isend's wait bounces too");
  const filler = a.alloc(512 * 1024); // what is left (the two bounce blocks stay) cannot hold another bounce copy
  const s = isendValue(a, src, 1, 4, 0, "isend");
  throws(() => a.wait(s), (e: unknown) => {
    ok(e instanceof SpmdError);
    match(
      e.message,
      /^rank 1 has finished, so this message \(tag 4, 1048576 bytes, partly transferred\) can never be received/,
    );
    return true;
  });
  a.free(src); // no longer in flight
  a.free(filler);
  // The frames are still in the ring, for the launcher's report: two rendezvous headers, then the ring's share of one.
  deepEqual(unreadFrames(shm, a.layout, 0, 1), [
    { length: 1 << 20, tag: 2, context: 0, whole: true },
    { length: 1 << 20, tag: 3, context: 0, whole: true },
    { length: 1 << 20, tag: 4, context: 0, whole: false },
  ]);
});

/** Tests `sends` on `a` and `recvs` on `b` until all are done (one thread drives both: each moves only when tested). */
function drive(a: ShmTransport, b: ShmTransport, sends: PendingOp[], recvs: PendingOp[]): void {
  for (let spins = 0; spins < 1_000_000; spins++) {
    let done = true;
    for (const op of sends) if (!a.test(op)) done = false;
    for (const op of recvs) if (!b.test(op)) done = false;
    if (done) return;
  }
  throw new Error("no progress");
}

function refusesFree(t: ShmTransport, view: ArrayBufferView, re: RegExp): void {
  throws(() => t.free(view), (e: unknown) => {
    ok(e instanceof SpmdError, String(e));
    equal(e.code, "MPI_ERR_BUFFER");
    match(e.message, re);
    return true;
  });
}

Deno.test("free refuses a block a send through the ring still reads: small payload, a subarray, no descriptor free", () => {
  const [a, b] = pair();
  const inFlight = /^a send from this array to rank 1 \(tag (\d+)\) is still in flight: wait for its request first/;
  // Under 32 KiB: an ordinary frame, queued behind the 4 KiB ring.
  const small = heapBytes(a, 20_000, 1);
  const s1 = isendValue(a, small, 1, 1, 0, "isend");
  // Part of an array: the block is in use all the same.
  const part = heapBytes(a, 50_000, 2);
  const s2 = isendValue(a, part.subarray(1000, 9000), 1, 2, 0, "isend");
  // Every descriptor taken by rendezvous nobody has received yet: the next goes through the ring.
  const held: Uint8Array[] = [];
  const rdvs: PendingOp[] = [];
  for (let i = 0; i < DESC_SLOTS; i++) {
    held.push(heapBytes(a, RDV_MIN, 100 + i));
    rdvs.push(isendValue(a, held[i], 1, 3, 0, "isend"));
  }
  const big = heapBytes(a, 100_000, 3);
  const s3 = isendValue(a, big, 1, 4, 0, "isend");
  for (const [v, tag] of [[small, 1], [part, 2], [held[0], 3], [big, 4]] as const) {
    refusesFree(a, v, new RegExp(inFlight.source.replace("(\\d+)", String(tag))));
  }
  // A refused free changed nothing: every message arrives intact, then the blocks can go.
  const r = [b.irecv(0, 1, 0, null), b.irecv(0, 2, 0, null), b.irecv(0, 4, 0, null)];
  const got3 = held.map(() => b.irecv(0, 3, 0, null));
  drive(a, b, [s1, s2, s3, ...rdvs], [...r, ...got3]);
  equal(checkPattern(valueOf(b.wait(r[0])!, "wait") as Uint8Array, 1), -1);
  const g2 = valueOf(b.wait(r[1])!, "wait") as Uint8Array;
  deepEqual(g2, part.subarray(1000, 9000));
  equal(checkPattern(valueOf(b.wait(r[2])!, "wait") as Uint8Array, 3), -1);
  for (let i = 0; i < DESC_SLOTS; i++) {
    equal(checkPattern(valueOf(b.wait(got3[i])!, "wait") as Uint8Array, 100 + i), -1);
  }
  for (const v of [small, part, big, ...held]) a.free(v);
});

Deno.test("free refuses a block being sent when the job gives no shared heaps (every send goes by the ring)", () => {
  const sab = createShm(layoutFor(2, MIN_RING_BYTES));
  const a = new ShmTransport({ sab, rank: 0, spin: 4 });
  const b = new ShmTransport({ sab, rank: 1, spin: 4 });
  const src = heapBytes(a, 100_000, 5);
  const s = isendValue(a, src, 1, 1, 0, "isend");
  refusesFree(a, src, /^a send from this array to rank 1 \(tag 1\) is still in flight/);
  const r = b.irecv(0, 1, 0, null);
  drive(a, b, [s], [r]);
  equal(checkPattern(valueOf(b.wait(r)!, "wait") as Uint8Array, 5), -1);
  a.free(src);
});

Deno.test("free refuses a block a posted or streaming receive will write into", () => {
  const [a, b] = pair();
  const into = b.alloc(100_000);
  const r = b.irecv(0, 7, 0, into);
  refusesFree(
    b,
    into,
    /^a receive into this array from rank 0 \(tag 7\) has not completed: wait for its request first/,
  );
  const any = b.alloc(10);
  const r2 = b.irecv(-2, -1, 0, any.subarray(2));
  refusesFree(b, any, /^a receive into this array from any rank \(tag ANY_TAG\) has not completed/);
  const src = new Uint8Array(100_000); // an ordinary array: it streams through the 4 KiB ring into `into`
  fillPattern(src, 8);
  const s = isendValue(a, src, 1, 7, 0, "isend");
  b.test(r);
  ok(!r.done && (r as unknown as { msg: unknown }).msg !== null, "matched, still streaming");
  refusesFree(b, into, /^a receive into this array from rank 0 \(tag 7\) has not completed/);
  drive(a, b, [s], [r]);
  b.wait(r);
  equal(checkPattern(into, 8), -1);
  b.free(into);
  sendValue(a, 5, 1, 9, 0, "send");
  b.wait(r2);
  b.free(any);
});

Deno.test("free takes exactly the view alloc returned, once", () => {
  const [a] = pair();
  const u8 = a.alloc(1000);
  refusesFree(a, u8.subarray(0, 10), /^Uint8Array\(byteLength 10\) is not the array alloc returned but another view/);
  refusesFree(a, u8.subarray(500), /is not the array alloc returned but another view of its memory/);
  refusesFree(a, new Float64Array(u8.buffer, u8.byteOffset, 125), /^Float64Array\(byteLength 1000\) is not the array/);
  refusesFree(a, new Uint8Array(1000), /^Uint8Array\(byteLength 1000\) was not allocated by alloc on rank 0/);
  a.free(u8);
  refusesFree(a, u8, /^this array was freed already/);
  const v = a.alloc(1000);
  equal(v.byteOffset, u8.byteOffset, "the block is reused");
  refusesFree(a, u8, /^this array was freed already/); // and v stays allocated
  refusesFree(a, u8.subarray(0, 10), /another view of its memory/);
  // A bounce block is no array of the caller's.
  const src = heapBytes(a, RDV_MIN, 1);
  const s = isendValue(a, src, 1, 1, 0, "isend");
  const bounce = (s as unknown as { bounce: number }).bounce;
  ok(bounce > 0);
  refusesFree(a, new Uint8Array(src.buffer, bounce, RDV_MIN), /is not an array alloc returned on rank 0/);
  a.free(v);
  refusesFree(a, v, /^this array was freed already/);
});

Deno.test("rendezvous: an isend posts only when a bounce copy fits, and reserves it; tests end in a bounce", () => {
  const [a, b] = pair(64 * 1024);
  // 40,000 bytes of a 64 KiB heap leave no room for a copy: the message goes through the ring.
  const src = heapBytes(a, 40_000, 1);
  const s = isendValue(a, src, 1, 1, 0, "isend");
  deepEqual(unreadFrames(shm, a.layout, 0, 1), [{ length: 40_000, tag: 1, context: 0, whole: false }]);
  const r = b.irecv(0, 1, 0, null);
  drive(a, b, [s], [r]);
  equal(checkPattern(valueOf(b.wait(r)!, "wait") as Uint8Array, 1), -1);
  a.free(src);
  // With room: a rendezvous, whose bounce block is taken at once.
  const [c, d] = pair(4 << 20);
  const big = heapBytes(c, 1 << 20, 2);
  const s2 = isendValue(c, big, 1, 2, 0, "isend");
  deepEqual(unreadFrames(shm, c.layout, 0, 1), [{ length: 1 << 20, tag: 2, context: 0, whole: true }]);
  throws(() => c.alloc(2 << 20), /\(1048576 reserved for the bounce copies of 1 sends in flight\)/);
  // A loop of tests with no receive posted: after TEST_BOUNCE of them the payload bounces and the isend completes.
  let n = 0;
  while (!c.test(s2)) ok(++n <= TEST_BOUNCE, "still not done");
  big.fill(0);
  c.free(big); // bounced: the array is the sender's again
  const m = d.recv(0, 2, 0);
  equal(checkPattern(m.bytes!, 2), -1);
  ok(c.test(s2));
});

Deno.test("rendezvous: ordinary and rendezvous messages on one tag keep their order, in many rounds", () => {
  const [a, b] = pair();
  const rand = rng(3);
  const pending: { op: PendingOp; u8: Uint8Array; heap: boolean }[] = [];
  let sent = 0;
  let got = 0;
  /** The next message: the sender's queue moves only when the sender makes progress (one thread runs both). */
  const next = (): Uint8Array => {
    const r = b.irecv(0, 1, 0, null);
    for (let spins = 0; spins < 1_000_000; spins++) {
      for (const p of pending) a.test(p.op);
      if (b.test(r)) return valueOf(b.wait(r)!, "wait") as Uint8Array;
    }
    throw new Error("no progress");
  };
  for (let round = 0; round < 300; round++) {
    const n = Math.floor(rand() * 3) === 0 ? Math.floor(rand() * 2000) : RDV_MIN + Math.floor(rand() * 60_000);
    const heap = rand() < 0.7;
    const u8 = heap ? a.alloc(n) : new Uint8Array(n);
    fillPattern(u8, sent);
    pending.push({ op: isendValue(a, u8, 1, 1, 0, "isend"), u8, heap });
    sent++;
    while (got < sent && rand() < 0.6) {
      equal(checkPattern(next(), got), -1, `message ${got}`);
      got++;
    }
    for (let i = pending.length - 1; i >= 0; i--) {
      const p = pending[i];
      if (a.test(p.op)) {
        if (p.heap) a.free(p.u8);
        pending.splice(i, 1);
      }
    }
  }
  while (got < sent) {
    equal(checkPattern(next(), got), -1, `message ${got}`);
    got++;
  }
  for (const p of pending) ok(a.test(p.op));
});

// ---- whole jobs ------------------------------------------------------------------

Deno.test("alloc gives every typed-array type in shared memory, 64-byte aligned, and it travels as itself", async () => {
  await job(3, ["types"]);
});

Deno.test("alloc and free refuse bad arguments, naming the call; an exhausted heap names the request and the limit", async () => {
  await job(2, ["bad-args"], { heapBytes: 4 << 20 });
});

for (const size of [2, 3, 4]) {
  Deno.test(`alloc'd arrays of many sizes by send/recv, recvInto, isend/irecv(Into), at ${size} ranks`, async () => {
    await job(size, ["sizes"]);
  });
}

Deno.test("head-to-head blocking sends of large alloc'd arrays complete (the standard-mode bounce)", async () => {
  await job(2, ["head-to-head"]);
  await job(4, ["head-to-head"]);
});

Deno.test("unexpected rendezvous messages: probe length, later receive, truncation consumes and releases", async () => {
  await job(2, ["unexpected"]);
  await job(2, ["truncate-blocking"]);
  await job(2, ["free-in-flight"]);
});

Deno.test("free refuses an array whose isend streams through the ring (every descriptor taken); the bytes arrive as sent", async () => {
  await job(2, ["free-ring"]);
});

Deno.test("isend, wait, then recv both ways completes with alloc'd arrays, whether or not a bounce copy fits", async () => {
  await job(2, ["isend-wait-recv", "40000"], { heapBytes: 64 * 1024, timeout: 30 });
  await job(2, ["isend-wait-recv", "1048576"], { timeout: 30 });
  await job(2, ["test-loop"], { timeout: 30 });
});

Deno.test("a deadlock while a rendezvous message waits unclaimed lists it as in flight", async () => {
  await fails(2, ["deadlock"], (e) => {
    match(e.message, /^spmd: deadlock: every rank still running is blocked in an spmd call and nothing moves; /);
    match(
      e.message,
      /1 message\(s\) in flight wait for a matching receive:\n {2}rank 0 → rank 1: tag 1, 100000 bytes, comm 0\n/,
    );
    ok(!/no message is in flight/.test(e.message), e.message);
  }, { timeout: 30 });
});

Deno.test("a heap limit of 1 TiB per rank costs address space, not memory", async () => {
  await job(2, ["memory"], { heapBytes: 2 ** 40 });
});

Deno.test("a receiver that ends without receiving: the sender returns, the job fails naming the message", async () => {
  for (const how of ["send", "isend"]) {
    await fails(2, ["receiver-ends", how], (e) => {
      match(e.message, /rank 0 → rank 1: tag 5, 1048576 bytes, comm 0/);
      ok(!/partly transferred/.test(e.message), e.message);
    });
  }
  // No room for a bounce copy: the message goes through the ring; the isend's wait fails once the receiver has
  // ended, or the receiver took the message in and its finalize reports it.
  await fails(2, ["receiver-ends", "isend-full"], (e) => {
    match(
      e.message,
      /rank 1 has finished, so this message \(tag 5, 1048576 bytes, partly transferred\)|rank 0 → rank 1: tag 5, 1048576 bytes/,
    );
  }, { heapBytes: 4 << 20 });
});

Deno.test("spawn and the launcher check the heap size", async () => {
  await rejects(job(1, ["types"], { heapBytes: 100 }), /spawn: heapBytes must be an integer number of bytes in/);
  const bad = await cli(["--heap", "12Q", "tests/programs/alloc.ts", "types"]);
  equal(bad.code, 2);
  match(bad.stderr, /--heap must be a size in 65536\.\.\d+ bytes \(e\.g\. 512M, 4G\), got "12Q"/);
  const good = await cli(["-n", "2", "--heap", "4M", "--timeout", "60", "tests/programs/alloc.ts", "bad-args"]);
  equal(good.code, 0, good.stderr);
});
