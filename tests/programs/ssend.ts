// Synchronous sends and sendrecvReplace (issue 14, point 2), at any size:
// ssend / issend complete only once a receive has taken the message, by
// every kind of receive; their acknowledgements never match a wildcard
// receive; sendrecvReplace shifts a buffer around the ring. With the
// argument "deadlock", every rank ssends to the next before receiving:
// the job must deadlock (the launcher's report is checked by the test).
import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { ANY_SOURCE, ANY_TAG, PROC_NULL, SpmdError, Status, TruncateError, waitAll, world } from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
const next = (rank + 1) % size;
const prev = (rank - 1 + size) % size;

if (Deno.args[0] === "deadlock") {
  comm.ssend(`from ${rank}`, next, 1); // every rank waits for a receive that is never posted
  comm.recv(prev, 1);
  throw new Error("unreachable: ssend returned without a receive");
}

function spmdError(call: string, what: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    ok(e instanceof SpmdError, `an SpmdError, got ${e}`);
    ok(e.message.startsWith(`${call}: `), `names ${call}: ${e.message}`);
    ok(what.test(e.message), `${what} in: ${e.message}`);
    return true;
  };
}

// ssend around the ring, the receives posted first (else it would deadlock).
{
  const r = comm.irecv<string>(prev, 1);
  comm.ssend(`from ${rank}`, next, 1);
  equal(r.wait(), `from ${prev}`);
  // Typed arrays, numbers, objects; received by recv, recvInto, sendrecv, irecv + await, a matched probe.
  const kinds: unknown[] = [new Float64Array([rank, 1.5]), 42 + rank, { rank }, null, "s"];
  const rs = kinds.map((_, i) => comm.irecv(prev, 10 + i));
  kinds.forEach((v, i) => comm.issend(v, next, 10 + i).wait());
  deepEqual(waitAll(rs), [new Float64Array([prev, 1.5]), 42 + prev, { rank: prev }, null, "s"]);
  comm.barrier();
}

// An issend is not complete until the receive on the other side has taken the message.
{
  const r = comm.issend(new Int32Array([rank]), next, 2);
  for (let i = 0; i < 10; i++) equal(r.test()[0], false, "issend done before any receive");
  comm.barrier(); // every rank has tested before any receive below
  const into = new Int32Array(1);
  const st = comm.recvInto(into, prev, 2);
  equal(into[0], prev);
  equal(st.source, prev);
  r.wait();
  equal(r.status!.cancelled, false);
  comm.barrier();
}

// Several to one rank with one tag: each completes with its own receive, in order.
{
  const rs = [0, 1, 2].map((i) => comm.issend(rank * 10 + i, next, 3));
  comm.barrier();
  equal(comm.recv(prev, 3), prev * 10);
  comm.barrier(); // the first receive everywhere has happened; the others not yet
  rs[0].wait();
  equal(rs[1].test()[0], false);
  equal(rs[2].test()[0], false);
  comm.barrier();
  equal(comm.sendrecv(null, PROC_NULL, 0, prev, 3), prev * 10 + 1);
  const msg = comm.mprobe(prev, 3);
  equal(msg.recv(), prev * 10 + 2);
  rs[1].wait();
  await rs[2];
  comm.barrier();
}

// Different tags, received in reverse order; a wildcard receive never sees an acknowledgement.
{
  const rs = [4, 5, 6].map((t) => comm.issend(t, next, t));
  const got = [6, 5, 4].map((t) => comm.recv(prev, t));
  deepEqual(got, [6, 5, 4]);
  deepEqual(waitAll(rs), [undefined, undefined, undefined]);
  equal(comm.iprobe(ANY_SOURCE, ANY_TAG), null, "nothing left over, acknowledgements included");
  comm.barrier();
  // ssend to PROC_NULL returns at once.
  comm.ssend("x", PROC_NULL);
  equal(comm.issend("x", PROC_NULL).wait(), undefined);
  throws(() => comm.ssend("x", size), spmdError("ssend", /dest must be an integer rank/));
  throws(() => comm.issend("x", 0, -1), spmdError("issend", /tag must be an integer/));
  throws(() => comm.ssend(() => 1, rank), spmdError("ssend", /function/));
}

// sendrecvReplace: the buffer goes to the next rank and the previous rank's arrives in it.
{
  const buf = new Float64Array([rank, rank * 2, rank * 3]);
  const st = comm.sendrecvReplace(buf, next, 7, prev, 7);
  deepEqual(Array.from(buf), [prev, prev * 2, prev * 3]);
  equal(st.source, prev);
  equal(st.count(Float64Array), 3);
  const any = comm.sendrecvReplace(buf, next, 8);
  ok(any instanceof Status);
  deepEqual(Array.from(buf), [
    (prev - 1 + size) % size,
    ((prev - 1 + size) % size) * 2,
    ((prev - 1 + size) % size) * 3,
  ]);
  // PROC_NULL on either side.
  const keep = new Int16Array([5, 6]);
  equal(comm.sendrecvReplace(keep, PROC_NULL, 0, PROC_NULL, 0).source, PROC_NULL);
  deepEqual(Array.from(keep), [5, 6]);
  // A larger message does not fit.
  const small = new Int8Array(2);
  comm.send(new Int8Array(5), next, 9);
  throws(() => comm.sendrecvReplace(small, PROC_NULL, 0, prev, 9), TruncateError);
  throws(() => comm.sendrecvReplace([1, 2] as never, next), spmdError("sendrecvReplace", /typed array/));
  throws(() => comm.sendrecvReplace(buf, next, 0, size), spmdError("sendrecvReplace", /source must be/));
  comm.barrier();
}

// On a sub-communicator: ranks, contexts and acknowledgements are its own.
{
  const sub = comm.split(rank % 2, -rank)!; // reversed order: sub ranks differ from world ranks
  const n = (sub.rank + 1) % sub.size;
  const p = (sub.rank - 1 + sub.size) % sub.size;
  const r = sub.issend({ from: sub.rank }, n, 3);
  equal(comm.iprobe(ANY_SOURCE, ANY_TAG), null, "nothing on the world's context");
  const msg = sub.mprobe(ANY_SOURCE, 3);
  equal(msg.status.source, p);
  deepEqual(msg.recv(), { from: p });
  r.wait();
  const buf = new Int32Array([sub.rank]);
  sub.sendrecvReplace(buf, n, 4, p, 4);
  equal(buf[0], p);
  comm.barrier();
}

if (rank === 0) console.log(`ssend: ok at ${size} ranks`);
