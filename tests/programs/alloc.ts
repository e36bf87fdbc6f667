// comm.alloc / comm.free and single-copy (rendezvous) sends, run by
// tests/alloc_test.ts. Deno.args[0] names the scenario; every scenario
// asserts inside the ranks, so a failure fails the job.
import { equal, match, ok, throws } from "node:assert/strict";
import { ANY_SOURCE, SpmdError, TruncateError, waitAll, world } from "../../mod.ts";
import { checkPattern, fillPattern } from "../_util.ts";

const comm = world();
const { rank, size } = comm;
const next = (rank + 1) % size;
const prev = (rank + size - 1) % size;

/** Byte sizes on both sides of the rendezvous threshold (32 KiB), odd ones and 0. */
const SIZES = [0, 1, 7, 4095, 32767, 32768, 32769, 65536 + 3, 100_003, 1 << 20, (3 << 20) + 5];

function check(u8: Uint8Array, id: number, what: string): void {
  const bad = checkPattern(u8, id);
  if (bad >= 0) throw new Error(`${what}: byte ${bad} of ${u8.length} corrupted`);
}

/** An alloc'd Uint8Array of `n` bytes filled with the pattern of `id`. */
function filled(n: number, id: number): Uint8Array {
  const a = comm.alloc(Uint8Array, n);
  fillPattern(a, id);
  return a;
}

const scenario = Deno.args[0];
switch (scenario) {
  case "types": {
    const types = [
      Int8Array,
      Uint8Array,
      Uint8ClampedArray,
      Int16Array,
      Uint16Array,
      Int32Array,
      Uint32Array,
      Float32Array,
      Float64Array,
      BigInt64Array,
      BigUint64Array,
    ];
    for (const T of types) {
      for (const n of [0, 1, 5, 5000, 70_001]) {
        const a = comm.alloc(T as Float64ArrayConstructor, n);
        ok(a instanceof T, `${T.name}: got ${a.constructor.name}`);
        equal(a.length, n);
        ok(a.buffer instanceof SharedArrayBuffer, `${T.name}: not shared memory`);
        equal(a.byteOffset % 64, 0, `${T.name}(${n}) is not 64-byte aligned`);
        const one = (T === BigInt64Array || T === BigUint64Array ? 3n : 3) as number;
        a.fill(one);
        if (n > 0) equal(a[n - 1], one);
        comm.send(a, next, 1);
        const got = comm.recv(prev, 1) as Float64Array;
        ok(got instanceof T, `${T.name} arrived as ${got.constructor.name}`);
        equal(got.length, n);
        if (n > 0) equal(got[0], one);
        comm.free(a);
      }
    }
    break;
  }
  case "bad-args": {
    const bad: [unknown, unknown, RegExp][] = [
      [Array, 4, /^alloc: Type must be a typed-array constructor .*got .*Array/],
      [DataView, 4, /^alloc: Type must be a typed-array constructor/],
      ["Float64Array", 4, /^alloc: Type must be a typed-array constructor .*got "Float64Array"/],
      [Float64Array, -1, /^alloc: length must be a non-negative integer .*got -1/],
      [Float64Array, 2.5, /^alloc: length must be a non-negative integer .*got 2\.5/],
      [Float64Array, "8", /^alloc: length must be a non-negative integer .*got "8"/],
      [Float64Array, NaN, /^alloc: length must be a non-negative integer .*got NaN/],
    ];
    for (const [T, n, re] of bad) {
      throws(() => comm.alloc(T as Float64ArrayConstructor, n as number), (e: unknown) => {
        ok(e instanceof SpmdError, String(e));
        match(e.message, re);
        return true;
      });
    }
    const a = comm.alloc(Float64Array, 10);
    const freeErr = (v: unknown, re: RegExp) =>
      throws(() => comm.free(v as Float64Array), (e: unknown) => {
        ok(e instanceof SpmdError, String(e));
        equal(e.code, re.source.includes("must be a typed array") ? "MPI_ERR_ARG" : "MPI_ERR_BUFFER");
        match(e.message, re);
        return true;
      });
    const otherView =
      /is not the array alloc returned but another view of its memory \(a subarray, or a view made over/;
    freeErr(new Float64Array(10), /^free: Float64Array\(byteLength 80\) was not allocated by alloc on rank \d/);
    freeErr(a.subarray(1), new RegExp(`^free: Float64Array\\(byteLength 72\\) ${otherView.source}`));
    // A view of the whole block, even one that starts where it does, is not the array alloc returned.
    freeErr(a.subarray(0, 5), otherView);
    freeErr(a.subarray(0), otherView);
    freeErr(new Uint8Array(a.buffer, a.byteOffset, 80), otherView);
    freeErr(new DataView(a.buffer, a.byteOffset, 80), otherView);
    freeErr({}, /^free: array must be a typed array that alloc returned, got/);
    a[9] = 7;
    equal(a[9], 7, "a refused free leaves the array allocated");
    comm.free(a);
    freeErr(a, /^free: this array was freed already/);
    // The block is reused: a second free of the old array must not free the new one.
    const b = comm.alloc(Float64Array, 10);
    equal(b.byteOffset, a.byteOffset);
    freeErr(a, /^free: this array was freed already/);
    freeErr(a.subarray(0, 10), otherView);
    const c = comm.alloc(Float64Array, 10);
    ok(c.byteOffset !== b.byteOffset, "b is still allocated");
    comm.free(b);
    comm.free(c);
    freeErr(b, /^free: this array was freed already/);
    freeErr(
      b.subarray(2),
      /^free: Float64Array\(byteLength 64\) is not an array alloc returned on rank \d \(no allocated/,
    );
    // The heap of this job is limited to 4 MiB (the test's heapBytes).
    throws(() => comm.alloc(Float64Array, 1 << 20), (e: unknown) => {
      ok(e instanceof SpmdError && e.code === "MPI_ERR_NO_MEM", String(e));
      match(
        e.message,
        /^alloc\(Float64Array, 1048576\): cannot allocate 8388608 bytes: rank \d's heap is limited to 4194304 bytes/,
      );
      match(e.message, /--heap/);
      return true;
    });
    // Filling the heap and freeing it lets the same space be allocated again.
    const blocks = [];
    for (;;) {
      try {
        blocks.push(comm.alloc(Uint8Array, 100_000));
      } catch (e) {
        ok(e instanceof SpmdError && /cannot allocate 100000 bytes/.test(e.message), String(e));
        break;
      }
    }
    ok(blocks.length >= 40, `only ${blocks.length} blocks of 100 kB in 4 MiB`);
    for (let i = 0; i < blocks.length; i += 2) comm.free(blocks[i]);
    for (let i = 1; i < blocks.length; i += 2) comm.free(blocks[i]);
    const whole = comm.alloc(Uint8Array, 4 * 1024 * 1024 - 64 * 1024);
    comm.free(whole);
    break;
  }
  case "sizes": {
    // Every rank sends to the next and receives from the previous, with
    // send/recv, send/recvInto and isend/irecv(Into), for every size.
    for (const n of SIZES) {
      const id = n * 31 + rank;
      const from = n * 31 + prev;
      const a = filled(n, id);
      // send + recv
      comm.send(a, next, 1);
      const got = comm.recv<Uint8Array>(prev, 1);
      equal(got.length, n);
      check(got, from, `recv of ${n} B`);
      // send + recvInto an alloc'd buffer bigger than the message
      const into = comm.alloc(Uint8Array, n + 9);
      comm.send(a, next, 2);
      const st = comm.recvInto(into, prev, 2);
      equal(st.bytes, n);
      equal(st.source, prev);
      check(into.subarray(0, n), from, `recvInto of ${n} B`);
      // isend + irecv and irecvInto, waited for in both orders
      const plain = new Uint8Array(n);
      const reqs = [comm.isend(a, next, 3), comm.isend(a, next, 4), comm.irecv<Uint8Array>(prev, 3)];
      const r2 = comm.irecvInto(plain, prev, 4);
      const [, , g3] = waitAll(reqs);
      r2.wait();
      check(g3 as Uint8Array, from, `irecv of ${n} B`);
      check(plain, from, `irecvInto of ${n} B`);
      // The arrays are still ours and still hold what we sent.
      check(a, id, `sent array of ${n} B after the sends`);
      comm.free(into);
      comm.free(a);
    }
    // Many in flight at once, mixed with small ordinary messages on the same tag: order is kept.
    const arrays = [0, 1, 2, 3, 4, 5].map((i) => filled(40_000 + i * 8, 1000 + i * 10 + rank));
    const reqs = [];
    for (let i = 0; i < arrays.length; i++) {
      reqs.push(comm.isend(arrays[i], next, 9));
      reqs.push(comm.isend(i, next, 9));
    }
    for (let i = 0; i < arrays.length; i++) {
      const got = comm.recv<Uint8Array>(prev, 9);
      equal(got.length, 40_000 + i * 8, `message ${i} out of order`);
      check(got, 1000 + i * 10 + prev, `in-flight array ${i}`);
      equal(comm.recv(prev, 9), i);
    }
    waitAll(reqs);
    for (const a of arrays) comm.free(a);
    // A rendezvous message received on a sub-communicator and with ANY_SOURCE.
    const half = comm.split(rank % 2)!;
    if (half.size > 1) {
      const a = filled(50_000, 77 + half.rank);
      half.send(a, (half.rank + 1) % half.size, 5);
      const got = half.recv<Uint8Array>(ANY_SOURCE, 5);
      check(got, 77 + (half.rank + half.size - 1) % half.size, "sub-communicator");
      comm.free(a);
    }
    // A collective over alloc'd arrays.
    const b = comm.alloc(Float64Array, 100_000);
    b.fill(rank === 0 ? 2.5 : 0);
    const all = comm.bcast(rank === 0 ? b : null, 0) as Float64Array;
    equal(all.length, 100_000);
    equal(all[99_999], 2.5);
    comm.free(b);
    break;
  }
  case "head-to-head": {
    // Both ranks send large alloc'd arrays to each other first, blocking;
    // neither may wait for the other's receive.
    const peer = rank ^ 1;
    if (peer < size) {
      for (const n of [40_000, 1 << 20, 8 << 20]) {
        const a = filled(n, n + rank);
        for (let k = 0; k < 3; k++) comm.send(a, peer, k);
        // The sender may change (and free) its array once send has returned.
        a.fill(0);
        comm.free(a);
        for (let k = 0; k < 3; k++) check(comm.recv<Uint8Array>(peer, k), n + peer, `head-to-head ${n} B #${k}`);
      }
      // sendrecv both ways at once
      const a = filled(1 << 20, 5 + rank);
      const got = comm.sendrecv<Uint8Array>(a, peer, 7, peer, 7);
      check(got, 5 + peer, "sendrecv");
      comm.free(a);
    }
    break;
  }
  case "unexpected": {
    // Rendezvous messages that wait in the receiver's unexpected queue: probe
    // reports their length; a receive later copies them; a truncated one is
    // consumed and releases its sender.
    if (rank === 0) {
      const a = filled(100_000, 1);
      const b = filled(300_000, 2);
      const c = filled(60_000, 3);
      const r = [comm.isend(a, 1, 1), comm.isend(b, 1, 2), comm.isend(c, 1, 3)];
      waitAll(r); // (each bounces or is copied by the receiver)
      comm.free(a);
      comm.free(b);
      comm.free(c);
      equal(comm.recv(1, 9), "done");
    } else if (rank === 1) {
      let st = comm.iprobe(0, 3);
      while (st === null) st = comm.iprobe(0, 3);
      equal(st.bytes, 60_000);
      equal(comm.probe(0, 2).bytes, 300_000);
      equal(comm.probe(0, 1).bytes, 100_000);
      // Too small: consumed, as in MPI.
      throws(() => comm.recvInto(new Uint8Array(1000), 0, 2), (e: unknown) => {
        ok(e instanceof TruncateError, String(e));
        match(
          e.message,
          /^recvInto: message of 300000 bytes from rank 0 \(tag 2\) does not fit the Uint8Array of 1000/,
        );
        return true;
      });
      equal(comm.iprobe(0, 2), null);
      check(comm.recv<Uint8Array>(0, 3), 3, "tag 3");
      const into = comm.alloc(Uint8Array, 100_000);
      comm.recvInto(into, 0, 1);
      check(into, 1, "tag 1");
      comm.send("done", 0, 9);
    }
    break;
  }
  case "truncate-blocking": {
    // A blocking send whose receive truncates completes, and the next message is intact.
    if (rank === 0) {
      const a = filled(200_000, 4);
      comm.send(a, 1, 1);
      comm.send(a, 1, 2);
      comm.free(a);
    } else if (rank === 1) {
      throws(() => comm.recvInto(new Float64Array(10), 0, 1), TruncateError);
      check(comm.recv<Uint8Array>(0, 2), 4, "after truncation");
    }
    break;
  }
  case "free-in-flight": {
    if (rank === 0) {
      const a = filled(100_000, 6);
      const r = comm.isend(a, 1, 1);
      if (!r.done) {
        throws(
          () => comm.free(a),
          /free: a send from this array to rank 1 \(tag 1\) is still in flight: wait for its/,
        );
      }
      comm.send("posted", 1, 0);
      r.wait();
      comm.free(a);
    } else if (rank === 1) {
      equal(comm.recv(0, 0), "posted");
      check(comm.recv<Uint8Array>(0, 1), 6, "after a refused free");
    }
    break;
  }
  case "memory": {
    // Heaps limited to 1 TiB each take address space, not memory.
    const a = comm.alloc(Uint8Array, 64 << 20);
    a.fill(1);
    comm.send(a, next, 1);
    const got = comm.recv<Uint8Array>(prev, 1);
    equal(got[got.length - 1], 1);
    comm.barrier();
    const rss = Deno.memoryUsage().rss;
    ok(rss < 2 * 1024 ** 3, `resident memory ${rss} bytes`);
    break;
  }
  case "receiver-ends": {
    // Rank 1 returns without receiving; rank 0's sends must not hang.
    if (rank === 0) {
      const how = Deno.args[1];
      const a = comm.alloc(Uint8Array, 1 << 20);
      if (how === "isend-full") {
        // The heap (4 MiB) has no room for a bounce copy: the message goes through the ring, as an
        // ordinary array's would. The wait fails once rank 1 has ended, unless rank 1 took the
        // whole message in before it ended (then its finalize reports it).
        const filler = comm.alloc(Uint8Array, 2 << 20);
        const r = comm.isend(a, 1, 5);
        try {
          r.wait();
        } catch (err) {
          ok(err instanceof SpmdError, String(err));
          match(
            err.message,
            /^isend: rank 1 has finished, so this message \(tag 5, 1048576 bytes, partly transferred\)/,
          );
          throw err;
        } finally {
          comm.free(filler);
        }
      }

      if (how === "isend") comm.isend(a, 1, 5).wait();
      else comm.send(a, 1, 5);
    }
    break;
  }
  case "free-ring": {
    // Every descriptor is taken by rendezvous rank 1 has not received yet, so
    // a large isend goes through the ring, streaming from its block for a
    // while: free must refuse the block, and the message must arrive as sent.
    const N = 3 << 20;
    if (rank === 0) {
      const held = [];
      const reqs = [];
      for (let i = 0; i < 128; i++) {
        held.push(filled(32 * 1024, 10 + i));
        reqs.push(comm.isend(held[i], 1, 1));
      }
      const big = comm.alloc(Uint8Array, N).fill(0x11);
      const r = comm.isend(big, 1, 2);
      // While it streams, free refuses the block. (Rank 1 drains the ring
      // from its barrier, so the isend may already have streamed it all: then
      // free is right to succeed, and the message must still arrive as sent.)
      let freed = false;
      try {
        comm.free(big);
        freed = r.test()[0];
        ok(freed, "free succeeded while the send was still in flight");
      } catch (e) {
        ok(e instanceof SpmdError && e.code === "MPI_ERR_BUFFER", String(e));
        match(e.message, /^free: a send from this array to rank 1 \(tag 2\) is still in flight: wait for its request/);
      }
      // Had a refused free gone through, this array would be laid over the same block.
      const next = comm.alloc(Uint8Array, N).fill(0xee);
      if (!freed) ok(next.byteOffset >= big.byteOffset + N || next.byteOffset + N <= big.byteOffset, "blocks overlap");
      comm.barrier();
      waitAll([...reqs, r]);
      if (!freed) comm.free(big);
      comm.free(next);
      for (const a of held) comm.free(a);
    } else if (rank === 1) {
      comm.barrier();
      for (let i = 0; i < 128; i++) check(comm.recv<Uint8Array>(0, 1), 10 + i, `held ${i}`);
      const got = comm.recv<Uint8Array>(0, 2);
      equal(got.length, N);
      ok(
        got.every((x) => x === 0x11),
        `received bytes not as sent: first 0x${got[0].toString(16)}, last 0x${got[N - 1].toString(16)}`,
      );
    } else comm.barrier();
    break;
  }
  case "isend-wait-recv": {
    // Both ranks isend, wait, then receive: fine with ordinary arrays (the
    // ring buffers the message), so fine with alloc'd ones, whatever the
    // heap has room for (a 40,000-byte array in a 64 KiB heap leaves no
    // room for a bounce copy).
    const peer = rank ^ 1;
    if (peer < size) {
      const n = Number(Deno.args[1]);
      const a = filled(n, 40 + rank);
      comm.isend(a, peer, 1).wait();
      check(comm.recv<Uint8Array>(peer, 1), 40 + peer, `isend-wait-recv ${n} B`);
      comm.free(a);
    }
    break;
  }
  case "test-loop": {
    // The same with a loop of tests instead of a wait.
    const peer = rank ^ 1;
    if (peer < size) {
      const a = filled(1 << 20, 50 + rank);
      const r = comm.isend(a, peer, 1);
      while (!r.test()[0]) {
        // polling, as MPI_Test loops do
      }
      check(comm.recv<Uint8Array>(peer, 1), 50 + peer, "test-loop");
      comm.free(a);
    }
    break;
  }
  case "deadlock": {
    // A real deadlock while a rendezvous message waits unclaimed: the report lists it.
    if (rank === 0) {
      const a = filled(100_000, 60);
      comm.isend(a, 1, 1);
      comm.recv(1, 2);
    } else if (rank === 1) comm.recv(0, 3);
    break;
  }
  default:
    throw new Error(`unknown scenario ${scenario}`);
}
