// Soak: random point-to-point and collective traffic, checked byte by byte.
//
//   deno task soak                       # 8 ranks, 12,000 rounds (a few minutes)
//   deno run -A cli.ts -n 8 tests/programs/soak.ts ROUNDS [SEED]
//
// Every rank derives the whole plan of a round from (SEED, round), so each
// knows exactly which messages it must receive. Rounds mix: bursts of sends
// (blocking or isend) of 0 B .. 4 MiB typed arrays and structured values
// to random ranks (self included) with random tags, received through
// wildcard, per-source and per-tag receives in random order; collectives
// with random roots and sizes checked against a local reference; and split
// communicators used together with the world. A lost message would leave a
// receive waiting: the launcher's deadlock detector then stops the job with
// every rank's wait. At the end rank 0 prints the counts; a non-zero "lost"
// or "corrupted" fails the run.
import { ANY_SOURCE, ANY_TAG, type Comm, MAX, Status, SUM, waitAll, world } from "../../mod.ts";
import { rng } from "../_util.ts";

const comm = world();
const ROUNDS = Number(Deno.args[0] ?? 200);
const SEED = Number(Deno.args[1] ?? 12345);
const MAX_BYTES = 4 * 1024 * 1024;
let sent = 0;
let received = 0;
let corrupted = 0;
let collectives = 0;

/** Payload of message (round, sender, index): a 16-byte header, then a pattern; the header carries a checksum. */
function payload(round: number, sender: number, index: number, bytes: number): Uint8Array {
  const u8 = new Uint8Array(Math.max(16, bytes));
  let x = (round * 7919 + sender * 104729 + index * 1299709) >>> 0 || 1;
  let sum = 0;
  for (let i = 16; i < u8.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    u8[i] = x & 255;
    sum = (sum * 31 + u8[i]) >>> 0;
  }
  const dv = new DataView(u8.buffer);
  dv.setUint32(0, round);
  dv.setUint32(4, sender);
  dv.setUint32(8, index);
  dv.setUint32(12, sum);
  return u8;
}

function verify(u8: Uint8Array, round: number, sender: number, index: number, bytes: number): boolean {
  if (!(u8 instanceof Uint8Array) || u8.length !== Math.max(16, bytes)) return false;
  const dv = new DataView(u8.buffer, u8.byteOffset);
  if (dv.getUint32(0) !== round || dv.getUint32(4) !== sender || dv.getUint32(8) !== index) return false;
  let sum = 0;
  for (let i = 16; i < u8.length; i++) sum = (sum * 31 + u8[i]) >>> 0;
  return sum === dv.getUint32(12);
}

interface Planned {
  sender: number;
  dest: number;
  tag: number;
  index: number;
  bytes: number;
  structured: boolean;
}

/** Every message of a p2p round on communicator `c`, the same list on every rank. */
function plan(round: number, c: Comm): Planned[] {
  const out: Planned[] = [];
  for (let s = 0; s < c.size; s++) {
    const r = rng(SEED * 1000003 + round * 131 + s);
    const k = Math.floor(r() * 7);
    for (let i = 0; i < k; i++) {
      const big = r() < 0.03;
      const bytes = big
        ? Math.floor(MAX_BYTES / 4 + r() * (MAX_BYTES * 3 / 4))
        : r() < 0.1
        ? 0
        : Math.floor(Math.exp(r() * Math.log(300_000)));
      out.push({
        sender: s,
        dest: Math.floor(r() * c.size),
        tag: Math.floor(r() * 4),
        index: i,
        bytes,
        structured: r() < 0.2,
      });
    }
  }
  return out;
}

function p2pRound(round: number, c: Comm, burst: boolean): void {
  const msgs = plan(round, c);
  const mine = msgs.filter((m) => m.sender === c.rank);
  const reqs = [];
  for (const m of mine) {
    const data = payload(round, m.sender, m.index, m.bytes);
    const value = m.structured ? { round, index: m.index, data, note: "structured" } : data;
    if (burst) reqs.push(c.isend(value, m.dest, m.tag));
    else c.send(value, m.dest, m.tag);
    sent++;
  }
  const expected = msgs.filter((m) => m.dest === c.rank);
  const pick = rng(SEED + round * 7 + c.rank);
  const st = new Status();
  while (expected.length > 0) {
    // A random way to receive: wildcard, per source, or per (source, tag).
    const e = expected[Math.floor(pick() * expected.length)];
    const mode = pick();
    const src = mode < 0.4 ? ANY_SOURCE : e.sender;
    const tag = mode < 0.7 ? ANY_TAG : e.tag;
    const v = c.recv(src, tag, st);
    // Messages from one sender with one tag arrive in send order.
    const i = expected.findIndex((m) => m.sender === st.source && m.tag === st.tag);
    if (i < 0) {
      corrupted++;
      continue;
    }
    const m = expected[i];
    expected.splice(i, 1);
    received++;
    const data = m.structured ? (v as { data: Uint8Array }).data : v as Uint8Array;
    if (!verify(data, round, m.sender, m.index, m.bytes) || st.bytes < m.bytes) corrupted++;
  }
  waitAll(reqs);
  // Wildcard receives would otherwise take the next round's messages.
  c.barrier();
}

function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function collectiveRound(round: number, c: Comm): void {
  const g = rng(SEED * 31 + round);
  const kind = Math.floor(g() * 7);
  const root = Math.floor(g() * c.size);
  const n = g() < 0.2 ? Math.floor(g() * 600_000) : Math.floor(g() * 100);
  const input = (r: number) => Float64Array.from({ length: n }, (_, i) => (i % 17) + r);
  const ranks = [...Array(c.size).keys()];
  let ok = true;
  switch (kind) {
    case 0: {
      const got = c.allreduce(input(c.rank), SUM);
      const want = Float64Array.from({ length: n }, (_, i) => ranks.reduce((a, r) => a + (i % 17) + r, 0));
      ok = same(got, want);
      break;
    }
    case 1: {
      const got = c.bcast(c.rank === root ? payload(round, root, 0, n * 8) : null, root) as Uint8Array;
      ok = verify(got, round, root, 0, n * 8);
      break;
    }
    case 2: {
      const got = c.gather({ r: c.rank, v: input(c.rank) }, root);
      ok = c.rank === root ? got!.every((x, r) => x.r === r && same(x.v, input(r))) : got === null;
      break;
    }
    case 3: {
      const got = c.alltoall(ranks.map((j) => [c.rank, j, round]));
      ok = got.every((x, j) => x[0] === j && x[1] === c.rank && x[2] === round);
      break;
    }
    case 4: {
      const got = c.scan(c.rank + 1, MAX);
      ok = got === c.rank + 1;
      break;
    }
    case 5: {
      const counts = ranks.map((r) => (r * 7 + round) % 5 + (r === root ? n : 0));
      const off = [0];
      for (const k of counts) off.push(off[off.length - 1] + k);
      const whole = Float64Array.from({ length: off[c.size] }, (_, i) => i + round);
      const got = c.allgatherv(whole.slice(off[c.rank], off[c.rank + 1]), counts);
      ok = same(got, whole);
      break;
    }
    case 6: {
      c.barrier();
      ok = c.allgather(c.rank).every((x, r) => x === r);
      break;
    }
  }
  collectives++;
  if (!ok) corrupted++;
}

for (let round = 0; round < ROUNDS; round++) {
  const g = rng(SEED * 17 + round);
  const what = g();
  if (what < 0.45) p2pRound(round, comm, g() < 0.5);
  else if (what < 0.8) collectiveRound(round, comm);
  else {
    // Split communicators used together with the world.
    const color = Math.floor(g() * 3);
    const colors = [...Array(comm.size).keys()].map((r) => (r * 5 + color + round) % 2);
    const sub = comm.split(colors[comm.rank])!;
    const next = (comm.rank + 1) % comm.size;
    comm.send(payload(round, comm.rank, 99, 1000), next, 7);
    p2pRound(round * 2 + 1, sub, true);
    collectiveRound(round * 3 + 2, sub);
    const w = comm.recv<Uint8Array>((comm.rank + comm.size - 1) % comm.size, 7);
    received++;
    sent++;
    if (!verify(w, round, (comm.rank + comm.size - 1) % comm.size, 99, 1000)) corrupted++;
  }
}
const totals = comm.reduce(new Float64Array([sent, received, corrupted, collectives]), SUM, 0);
if (comm.rank === 0) {
  const [s, r, c, k] = totals!;
  console.log(
    `soak: ${comm.size} ranks, ${ROUNDS} rounds (seed ${SEED}): sent ${s}, received ${r}, lost ${s - r}, ` +
      `corrupted ${c}, collectives checked ${k / comm.size} per rank`,
  );
  if (s !== r || c !== 0) throw new Error(`soak failed: lost ${s - r}, corrupted ${c}`);
}
