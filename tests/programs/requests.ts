// Requests (issue 14, point 1) and matched probes (point 3), at any size:
// waitAny / testAny / waitSome / testAll with inactive requests, cancel()
// and its races, Request.status, Status.count / error / cancelled, `await`
// on requests (yielding to timers), mprobe / improbe / Message. Every
// check throws on a wrong answer, failing the job.
import { deepEqual, equal, ok, throws } from "node:assert/strict";
import {
  ANY_SOURCE,
  ANY_TAG,
  Message,
  PROC_NULL,
  type Request,
  SpmdError,
  Status,
  testAll,
  testAny,
  TruncateError,
  waitAll,
  waitAny,
  waitSome,
  world,
} from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
const next = (rank + 1) % size;
const prev = (rank - 1 + size) % size;

function spmdError(call: string, what: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    ok(e instanceof SpmdError, `an SpmdError, got ${e}`);
    ok(e.message.startsWith(`${call}: `), `names ${call}: ${e.message}`);
    ok(what.test(e.message), `${what} in: ${e.message}`);
    return true;
  };
}

/** Runs `f` in a timer (so only a wait that yields to the event loop lets it run); resolves after. */
function later(f: () => void): Promise<void> {
  return new Promise((resolve) => setTimeout(() => resolve(f()), 0));
}

/** One receive per rank (tag 10 + source), every rank sending to every rank; `finish` completes them. */
function allToAll(finish: (rs: Request<string>[]) => Map<number, string>): void {
  const rs: Request<string>[] = [];
  for (let s = 0; s < size; s++) rs.push(comm.irecv<string>(s, 10 + s));
  for (let d = size - 1; d >= 0; d--) comm.send(`${rank}->${d}`, d, 10 + rank);
  const got = finish(rs);
  equal(got.size, size);
  for (let s = 0; s < size; s++) equal(got.get(s), `${s}->${rank}`);
  comm.barrier();
}

// ---- waitAny / testAny / waitSome / testAll ------------------------------------------------

allToAll((rs) => {
  const got = new Map<number, string>();
  for (;;) {
    const st = new Status();
    const [i, v] = waitAny(rs, st);
    if (i === -1) {
      equal(v, undefined);
      break;
    }
    ok(!got.has(i), `waitAny returned index ${i} twice`);
    equal(st.source, i);
    equal(st.tag, 10 + i);
    equal(rs[i].status?.source, i);
    got.set(i, v!);
  }
  deepEqual(waitAny(rs), [-1, undefined], "still nothing active");
  deepEqual(testAny(rs), [-1, true, undefined]);
  deepEqual(waitSome(rs), [[], []]);
  return got;
});

allToAll((rs) => {
  const got = new Map<number, string>();
  for (;;) {
    const [i, done, v] = testAny(rs);
    if (i === -1 && done) break;
    if (!done) {
      equal(i, -1);
      equal(v, null);
      continue;
    }
    ok(!got.has(i), `testAny returned index ${i} twice`);
    got.set(i, v!);
  }
  return got;
});

allToAll((rs) => {
  const got = new Map<number, string>();
  for (;;) {
    const statuses: Status[] = [];
    const [idx, vals] = waitSome(rs, statuses);
    if (idx.length === 0) break;
    equal(vals.length, idx.length);
    idx.forEach((i, k) => {
      ok(!got.has(i), `waitSome returned index ${i} twice`);
      equal(statuses[k].source, i);
      got.set(i, vals[k]);
    });
  }
  return got;
});

allToAll((rs) => {
  let r: [boolean, string[] | null];
  while (!(r = testAll(rs))[0]) equal(r[1], null);
  const got = new Map<number, string>();
  r[1]!.forEach((v, i) => got.set(i, v));
  deepEqual(testAll(rs), r, "testAll again: the same values");
  return got;
});

// Wildcards: every rank receives size messages with ANY_SOURCE / ANY_TAG.
{
  const rs = Array.from({ length: size }, () => comm.irecv<number>(ANY_SOURCE, ANY_TAG));
  comm.send(rank * 100 + 7, next, rank + 1);
  for (let k = 1; k < size; k++) comm.send(rank * 100 + 7, (rank + k + 1) % size, rank + 1);
  const seen: number[] = [];
  for (let [i, v] = waitAny(rs); i !== -1; [i, v] = waitAny(rs)) {
    equal(rs[i].status!.tag, rs[i].status!.source + 1);
    equal(v, rs[i].status!.source * 100 + 7);
    seen.push(rs[i].status!.source);
  }
  deepEqual(seen.sort(), [...Array(size).keys()]);
  comm.barrier();
}

// PROC_NULL requests are complete at once; waitAny returns them.
{
  const rs = [comm.irecv(PROC_NULL), comm.isend("x", PROC_NULL)];
  deepEqual(waitAny(rs), [0, null]);
  deepEqual(waitSome(rs), [[1], [undefined]]);
  equal(rs[0].status!.source, PROC_NULL);
}

// Bad input names the call and the value.
throws(() => waitAny("x" as never), spmdError("waitAny", /requests must be an array of Request, got "x"/));
throws(() => testAny([1] as never), spmdError("testAny", /requests\[0\] is not a Request, got 1/));
throws(() => waitSome([], "s" as never), spmdError("waitSome", /statuses must be an array, got "s"/));
throws(() => testAll(null as never), spmdError("testAll", /got null/));
throws(() => waitAny([], {} as never), spmdError("waitAny", /status must be a Status/));
throws(() => waitAll("x" as never), spmdError("waitAll", /requests must be an array of Request, got "x"/));
{
  // Checked before anything is waited for: the requests are still pending after each refusal.
  const rs = [comm.irecv(rank, 3), comm.isend(5, rank, 3)];
  throws(() => waitAll(rs, 5 as never), spmdError("waitAll", /statuses must be an array, got 5/));
  throws(() => waitAll(rs, [new Status(), 7] as never), spmdError("waitAll", /statuses\[1\] must be a Status, got 7/));
  throws(() => waitSome(rs, [7] as never), spmdError("waitSome", /statuses\[0\] must be a Status, got 7/));
  throws(() => testAll(rs, [undefined, "s"] as never), spmdError("testAll", /statuses\[1\] must be a Status, got "s"/));
  equal(rs[0].status, null);
  throws(() => rs[0].wait(7 as never), spmdError("wait", /status must be a Status, got 7/));
  throws(() => rs[1].wait("s" as never), spmdError("wait", /status must be a Status, got "s"/));
  throws(() => rs[0].test({} as never), spmdError("test", /status must be a Status/));
  deepEqual(waitAll(rs), [5, undefined]);
}

// ---- cancel ---------------------------------------------------------------------------------

{
  const r = comm.irecv(next, 77);
  equal(r.status, null);
  equal(r.cancel(), true);
  equal(r.done, true);
  equal(r.wait(), undefined);
  equal(r.status!.cancelled, true);
  equal(r.cancel(), false, "cancelled twice");
  // The message sent later on that tag goes to a later receive, not to the cancelled one.
  comm.barrier();
  comm.send("after", prev, 77);
  equal(comm.recv(next, 77), "after");
  // A send cannot be cancelled: it completes normally.
  const s = comm.isend("sent", next, 78);
  equal(s.cancel(), false);
  s.wait();
  equal(s.status!.cancelled, false);
  // A matched receive cannot be cancelled.
  comm.send("m", rank, 79);
  const m = comm.irecv(rank, 79);
  equal(m.cancel(), false);
  equal(m.wait(), "m");
  equal(m.status!.cancelled, false);
  equal(comm.recv(prev, 78), "sent");
  comm.barrier();
}

// Cancellation race: a receive is cancelled while its message may be arriving. Either it was
// cancelled and the message is received again, or it completes with the message: exactly once.
{
  let cancelled = 0;
  for (let i = 0; i < 200; i++) {
    const r = comm.irecv<number>(ANY_SOURCE, 80);
    comm.send(i, next, 80);
    if (i % 3 === 0) comm.iprobe(ANY_SOURCE, ANY_TAG); // makes progress: sometimes it matches first
    if (r.cancel()) {
      cancelled++;
      equal(r.wait(), undefined);
      equal(r.status!.cancelled, true);
      equal(comm.recv(prev, 80), i);
    } else {
      equal(r.wait(), i);
      equal(r.status!.cancelled, false);
    }
  }
  if (Deno.env.get("SPMD_REQUESTS_VERBOSE")) console.log(`rank ${rank}: ${cancelled} of 200 cancelled`);
  comm.barrier();
}

// ---- Status.count, Status.error ---------------------------------------------------------------

{
  comm.send(new Float64Array([1, 2, 3]), rank, 5);
  const st = comm.probe(rank, 5);
  equal(st.count(Float64Array), 3);
  equal(st.count(Float32Array), 6);
  equal(st.count(), 24);
  comm.recv(rank, 5);
  comm.send(new Int8Array(3), rank, 6);
  const odd = comm.probe(rank, 6);
  throws(() => odd.count(Int16Array), spmdError("Status.count", /3 bytes are not a whole number of Int16Array/));
  throws(() => odd.count(5 as never), spmdError("Status.count", /Type must be a typed-array constructor .*, got 5$/));
  throws(() => odd.count(Array as never), spmdError("Status.count", /Type must be a typed-array constructor/));
  comm.recv(rank, 6);
  equal(new Status().error, null);
  // A request that fails (truncation) completes, with the error in its status.
  const r = comm.irecvInto(new Float64Array(1), next, 7);
  comm.send(new Float64Array(4), prev, 7);
  throws(() => r.wait(), TruncateError);
  ok(r.status!.error instanceof TruncateError);
  const st2 = new Status();
  throws(() => waitAll([r], [st2]), TruncateError);
  ok(st2.error instanceof TruncateError);
  comm.barrier();
}
{
  // Statuses of completed receives and sends: a given Status is overwritten whole (a stale error or cancelled flag
  // goes), and `request.status` says the same, before and after a wait that fills one.
  const into = new Int32Array(4);
  const rs = [comm.irecvInto(into, prev, 8), comm.isend(new Int32Array([rank, 1, 2]), next, 8)];
  const sts = [new Status(), new Status()];
  for (const st of sts) {
    st.error = new Error("stale");
    st.cancelled = true;
    st.tag = -5;
  }
  waitAll(rs, sts);
  deepEqual([sts[0].source, sts[0].tag, sts[0].bytes, sts[0].error, sts[0].cancelled], [prev, 8, 12, null, false]);
  equal(into[0], prev);
  equal(sts[1].error, null);
  equal(sts[1].cancelled, false);
  for (const i of [0, 1]) {
    const st = rs[i].status!;
    deepEqual([st.source, st.tag, st.bytes, st.error, st.cancelled], [
      sts[i].source,
      sts[i].tag,
      sts[i].bytes,
      null,
      false,
    ]);
    const again = new Status();
    rs[i].wait(again); // a completed request gives its status again
    deepEqual([again.source, again.tag, again.bytes], [st.source, st.tag, st.bytes]);
  }
  equal(rs[0].status, rs[0].status); // made once
  comm.barrier();
}

// ---- await ----------------------------------------------------------------------------------

{
  // The send runs in a timer: only a wait that yields to the event loop can complete.
  const r = comm.irecv<string>(prev, 20);
  const sent = later(() => comm.send(`ring ${rank}`, next, 20));
  equal(await r, `ring ${prev}`);
  await sent;
  equal(await r, `ring ${prev}`, "awaited twice");
  // Several at once, through Promise.all, mixing sends and receives.
  const got = await Promise.all([comm.irecv(next, 21), comm.isend(rank, prev, 21), comm.irecv(PROC_NULL)]);
  deepEqual(got, [next, undefined, null]);
  // A failed request rejects.
  const t = comm.irecvInto(new Int8Array(1), next, 22);
  const sent2 = later(() => comm.send(new Int8Array(9), prev, 22));
  let rejected: unknown = null;
  await t.then(() => 0, (e) => (rejected = e));
  await sent2;
  ok(rejected instanceof TruncateError);
  // Messages passed only from timers, each awaited: many rounds through the event loop.
  for (let i = 0; i < 50; i++) {
    const q = comm.irecv<number>(prev, 23);
    const [v] = await Promise.all([q, later(() => comm.send(i, next, 23))]);
    equal(v, i);
  }
  comm.barrier();
}

// ---- mprobe / improbe -----------------------------------------------------------------------

{
  equal(comm.improbe(ANY_SOURCE, 39), null, "nothing is ever sent with tag 39");
  comm.send({ from: rank }, next, 30);
  comm.send("second", next, 30);
  const msg = comm.mprobe(ANY_SOURCE, 30);
  ok(msg instanceof Message);
  equal(msg.status.source, prev);
  equal(msg.status.tag, 30);
  // A receive posted now (wildcards) cannot take the probed message: it gets the second one.
  const thief = comm.irecv(ANY_SOURCE, ANY_TAG);
  equal(thief.wait(), "second");
  const st = new Status();
  deepEqual(msg.recv(st), { from: prev });
  equal(st.source, prev);
  throws(() => msg.recv(), spmdError("Message.recv", /already been received/));
  throws(() => msg.irecv(), spmdError("Message.irecv", /already been received/));
  // improbe, then irecv of the message; the request awaits too.
  comm.send(new Int32Array([rank, 1, 2]), next, 31);
  let m2: Message | null;
  while ((m2 = comm.improbe(prev, 31)) === null);
  equal(m2.status.count(Int32Array), 3);
  const r2 = m2.irecv<Int32Array>();
  equal(r2.cancel(), false, "a probed message's receive has matched");
  deepEqual(Array.from(await r2), [prev, 1, 2]);
  // PROC_NULL: a message that receives null at once.
  const none = comm.mprobe(PROC_NULL);
  equal(none.status.source, PROC_NULL);
  equal(none.recv(), null);
  throws(() => comm.mprobe(size, 0), spmdError("mprobe", /source must be an integer rank/));
  throws(() => comm.improbe(0, -5), spmdError("improbe", /tag must be an integer/));
  comm.barrier();
}

// Matched probes against each other with wildcards: every message is received exactly once.
{
  const PER = 30;
  for (let i = 0; i < PER; i++) comm.send(rank * 1000 + i, (rank + 1 + (i % size)) % size, 40 + (i % 2));
  // Each rank receives what was addressed to it: count it with an alltoall of counts.
  const sendCounts = new Array(size).fill(0);
  for (let i = 0; i < PER; i++) sendCounts[(rank + 1 + (i % size)) % size]++;
  const incoming = comm.alltoall(sendCounts).reduce((a: number, b: number) => a + b, 0);
  const seen = new Set<number>();
  for (let k = 0; k < incoming; k++) {
    const msg = k % 2 === 0 ? comm.mprobe(ANY_SOURCE, ANY_TAG) : comm.improbe(ANY_SOURCE, ANY_TAG) ??
      comm.mprobe(ANY_SOURCE, ANY_TAG);
    const v = k % 3 === 0 ? await msg.irecv<number>() : msg.recv<number>();
    equal(Math.floor(v / 1000), msg.status.source);
    ok(!seen.has(v), `received ${v} twice`);
    seen.add(v);
  }
  equal(comm.iprobe(ANY_SOURCE, ANY_TAG), null);
  comm.barrier();
}

// Large messages (streamed through the ring; from comm.alloc memory, by rendezvous) taken by a
// matched probe while they may still be arriving, then a wildcard receive posted before recv().
{
  const N = 1 << 18; // 2 MiB of float64
  const big = new Float64Array(N).map((_, i) => i + rank);
  const heap = comm.alloc(Float64Array, N);
  heap.set(big);
  const sends = [comm.isend(big, next, 50), comm.isend(heap, next, 51)];
  const msgs = [comm.mprobe(prev, 50), comm.mprobe(prev, 51)];
  const other = comm.irecv(ANY_SOURCE, ANY_TAG); // both messages are out of matching already
  for (const msg of msgs) {
    equal(msg.status.count(Float64Array), N);
    const got = msg.recv<Float64Array>();
    equal(got.length, N);
    equal(got[0], prev);
    equal(got[N - 1], N - 1 + prev);
  }
  equal(other.cancel(), true, "the wildcard receive matched nothing");
  waitAll(sends);
  comm.barrier();
  comm.free(heap);
}

if (rank === 0) console.log(`requests: ok at ${size} ranks`);
