// The ring framing and the matcher, driven from one thread: two endpoints
// of a 2-rank job with the smallest ring, so frames wrap around often.
import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { ANY_SOURCE, ANY_TAG } from "../constants.ts";
import { Status } from "../status.ts";
import {
  CELL_BYTES,
  createShm,
  layoutFor,
  MAX_RANKS,
  MIN_RING_BYTES,
  RING_MEMORY_BOUND,
  ringBytesFor,
  SLOT_STRIDE,
  SMALL_CELL_BYTES,
} from "../transport/shm_layout.ts";
import { ShmTransport } from "../transport/shm_transport.ts";
import { Comm } from "../comm.ts";
import { Matcher, Message, RecvOp } from "../transport/matcher.ts";
import { fillStatus, isendValue, sendValue, valueOf } from "../_message.ts";
import { checkPattern, fillPattern, rng } from "./_util.ts";
import { WordView } from "../transport/_word_view.ts";

function pair(): [ShmTransport, ShmTransport] {
  const sab = createShm(layoutFor(2, MIN_RING_BYTES));
  return [new ShmTransport({ sab, rank: 0 }), new ShmTransport({ sab, rank: 1 })];
}

Deno.test("ring: frames of every size wrap around the ring intact", () => {
  const [a, b] = pair();
  const rand = rng(1);
  const st = new Status();
  for (let i = 0; i < 3000; i++) {
    // Up to 3 KiB so that a whole frame still fits a 4 KiB ring.
    const n = Math.floor(rand() * 3000);
    const u8 = new Uint8Array(n);
    fillPattern(u8, i);
    sendValue(a, u8, 1, i % 7, 0, "send");
    const m = b.recv(0, i % 7, 0);
    fillStatus(st, m, { localRank: (w) => w });
    const got = valueOf(m, "recv") as Uint8Array;
    equal(got.length, n);
    equal(checkPattern(got, i), -1, `message ${i} corrupted`);
    deepEqual([st.source, st.tag, st.bytes], [0, i % 7, n]);
  }
});

Deno.test("ring: a message larger than the ring streams through with test()", () => {
  const [a, b] = pair();
  const big = new Uint8Array(100_000);
  fillPattern(big, 9);
  const s = isendValue(a, big, 1, 3, 0, "isend");
  const r = b.irecv(0, 3, 0, null);
  let spins = 0;
  for (;;) {
    const sent = a.test(s);
    const got = b.test(r);
    if (sent && got) break;
    ok(++spins < 1_000_000, "no progress");
  }
  ok(spins > 10, "should have needed many rounds through a 4 KiB ring");
  const got = valueOf(b.wait(r)!, "wait") as Uint8Array;
  equal(checkPattern(got, 9), -1);
});

Deno.test("ring: numbers, strings and structured values keep their kinds", () => {
  const [a, b] = pair();
  const vals = [1.25, "héllo", { a: [1, 2] }, null, true, undefined, 7n];
  for (const v of vals) sendValue(a, v, 1, 0, 0, "send");
  for (const v of vals) deepEqual(valueOf(b.recv(0, 0, 0), "recv"), v);
});

Deno.test("ring size shrinks with the rank count and memory stays bounded", () => {
  let prev = Infinity;
  for (const n of [2, 4, 8, 16, 32, 64, 128]) {
    const bytes = ringBytesFor(n);
    ok(bytes <= prev);
    // Rings within their bound, their header cells (an eighth of a ring of 16 KiB or more; 8 small cells in smaller
    // ones), plus one line per rank for doorbells and activity and two collective slots per rank.
    const layout = layoutFor(n);
    equal(layout.cellBytes, bytes >= 65536 ? CELL_BYTES : SMALL_CELL_BYTES);
    const cells = n * (n - 1) * layout.cells * layout.cellBytes;
    ok(
      layout.cells * layout.cellBytes <= Math.max(bytes / 8, 8 * SMALL_CELL_BYTES),
      `${n} ranks: ${layout.cells} cells`,
    );
    const bound = RING_MEMORY_BOUND + cells + 64 * 1024 + n * (128 + 2 * SLOT_STRIDE);
    ok(layoutFor(n).totalBytes <= bound, `${n} ranks: ${layoutFor(n).totalBytes}`);
    prev = bytes;
  }
  equal(ringBytesFor(2), 1024 * 1024);
  equal(ringBytesFor(64), 64 * 1024);
  // The control words (everything before the cells) stay addressable by an Int32Array at the largest job.
  const big = layoutFor(MAX_RANKS);
  ok(big.cellByte < 2 ** 31 && big.ctlWords === big.cellByte / 4, `${MAX_RANKS} ranks: cells at ${big.cellByte}`);
  for (const [ring, cell] of [[NaN, 512], [4096.5, 512], [2 ** 31, 512], [65536, NaN], [65536, 256.5], [65536, 64]]) {
    throws(() => layoutFor(2, ring, cell), RangeError, `ringBytes ${ring}, cellBytes ${cell}`);
  }
});

Deno.test("matcher: posted receives match in order; wildcards; contexts are separate", () => {
  const m = new Matcher();
  const r1 = new RecvOp(ANY_SOURCE, 5, 0, null);
  const r2 = new RecvOp(1, ANY_TAG, 0, null);
  m.post(r1);
  m.post(r2);
  const other = new Message(1, 5, 2, 0, 0); // another context: matches neither
  equal(m.arrive(other), null);
  const x = new Message(1, 5, 0, 0, 0);
  equal(m.arrive(x), r1, "the older posted receive wins");
  const y = new Message(1, 6, 0, 0, 0);
  equal(m.arrive(y), r2);
  equal(m.take(ANY_SOURCE, ANY_TAG, 0), null);
  equal(m.take(ANY_SOURCE, ANY_TAG, 2), other);
});

Deno.test("matcher: unexpected messages are taken oldest first per match", () => {
  const m = new Matcher();
  const msgs = [new Message(0, 1, 0, 0, 0), new Message(1, 2, 0, 0, 0), new Message(0, 2, 0, 0, 0)];
  for (const x of msgs) m.arrive(x);
  equal(m.take(0, 2, 0), msgs[2]);
  equal(m.take(ANY_SOURCE, 2, 0), msgs[1]);
  equal(m.peek(ANY_SOURCE, ANY_TAG, 0), msgs[0]);
  equal(m.take(ANY_SOURCE, ANY_TAG, 0), msgs[0]);
  equal(m.unexpectedCount, 0);
});

Deno.test("ring: a message of 2^31 bytes (lengths past 32 bits) streams through a 4 KiB ring", () => {
  const [a, b] = pair();
  const big = new Uint8Array(2 ** 31);
  big[0] = 7;
  big[big.length - 1] = 9;
  const s = isendValue(a, big, 1, 0, 0, "isend");
  const r = b.irecv(0, 0, 0, null);
  for (let i = 0; i < 1_000_000 && !(s.done && r.done); i++) {
    a.test(s);
    b.test(r);
  }
  ok(r.done, "the receive completed");
  const got = valueOf(b.wait(r)!, "wait") as Uint8Array;
  deepEqual([got.length, got[0], got[got.length - 1]], [2 ** 31, 7, 9]);
});

Deno.test("ring: a 2 GiB message after Maglev compiled the send path on small ones (V8 15.0 compares its length as int32)", async () => {
  // The program fails (a 2 GiB copy into a 512-byte cell) where a payload's length is read with `length`.
  const program = new URL("./programs/maglev_big.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--no-turbofan", program],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  equal(out.code, 0, text);
  equal(text.trim(), "ok");
});

Deno.test("send: an array or DataView sent, then detached, is refused with MPI_ERR_BUFFER (not sent empty, nor a TypeError)", () => {
  const [a, b] = pair();
  const c0 = new Comm({ transport: a, context: 0 });
  const c1 = new Comm({ transport: b, context: 0 });
  const f64 = new Float64Array([1, 2, 3]);
  c0.send(f64, 1, 4);
  deepEqual(Array.from(c1.recv(0, 4) as Float64Array), [1, 2, 3]);
  structuredClone(f64.buffer, { transfer: [f64.buffer] });
  throws(
    () => c0.send(f64, 1, 4),
    (e: Error & { code?: string }) => e.code === "MPI_ERR_BUFFER" && /^send: /.test(e.message),
  );
  equal(b.iprobe(0, 4, 0), null, "nothing was sent");
  const dv = new DataView(new ArrayBuffer(8));
  c0.send(dv, 1, 5);
  equal((c1.recv(0, 5) as DataView).byteLength, 8);
  structuredClone(dv.buffer, { transfer: [dv.buffer] });
  throws(
    () => c0.send(dv, 1, 5),
    (e: Error & { code?: string }) => e.code === "MPI_ERR_BUFFER" && /^send: /.test(e.message),
  );
});

Deno.test("WordView: the words of an array of 4 GiB + 4 bytes (no 32-bit shift of its length)", () => {
  const big = new Uint8Array(2 ** 32 + 4);
  const words = new WordView().of(big);
  equal(words.length, 2 ** 30 + 1);
  const cb = new Uint8Array(64);
  const cw = new Int32Array(cb.buffer);
  cb.fill(7, 0, 32);
  new WordView().copyOut(cb, cw, 0, big, 2 ** 32 - 28, 32); // the last 32 bytes, a word at a time
  deepEqual(Array.from(big.subarray(2 ** 32 - 28)), new Array(32).fill(7));
});

Deno.test("small unexpected messages: the slab is internal (recv gives an array of its own), recvInto copies out", () => {
  const [a, b] = pair();
  const c0 = new Comm({ transport: a, context: 0 });
  const c1 = new Comm({ transport: b, context: 0 });
  for (let i = 0; i < 3; i++) c0.send(new Float64Array([i, i + 0.5]), 1, 5);
  c0.send(new Uint8Array([9, 8, 7]), 1, 6);
  c0.send({ s: "object" }, 1, 7);
  b.iprobe(0, 99, 0); // take every frame in: all are unexpected now
  const first = c1.recv(0, 5) as Float64Array;
  const second = c1.recv(0, 5) as Float64Array;
  deepEqual(Array.from(first), [0, 0.5]);
  equal(first.buffer.byteLength, 16, "its own buffer, not a view of the slab");
  first[0] = 42;
  deepEqual(Array.from(second), [1, 1.5], "not aliased to another message");
  const into = new Float64Array(2);
  c1.recvInto(into, 0, 5);
  deepEqual(Array.from(into), [2, 2.5]);
  const bytes = new Uint8Array(3);
  c1.recvInto(bytes, 0, 6);
  deepEqual(Array.from(bytes), [9, 8, 7]);
  deepEqual(c1.recv(0, 7), { s: "object" });
  // typed arrays inside objects (node:v8's deserializer may view its input, so structured payloads never use the slab)
  c0.send({ a: new Float64Array([1, 2]) }, 1, 8);
  c0.send({ a: new Float64Array([3, 4]) }, 1, 8);
  b.iprobe(0, 99, 0);
  const x = c1.recv(0, 8) as { a: Float64Array };
  const y = c1.recv(0, 8) as { a: Float64Array };
  deepEqual([Array.from(x.a), Array.from(y.a)], [[1, 2], [3, 4]]);
  x.a[0] = 42;
  equal(y.a[0], 3, "one message's nested array is not another's");
});
