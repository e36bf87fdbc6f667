// Values and buffers at the edges, chosen by Deno.args[0]; every failure
// must be an SpmdError that names the call, and nothing may be lost.
import { throws } from "node:assert/strict";
import { ANY_TAG, PROC_NULL, SpmdError, Status, waitAll, world } from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
const peer = (rank + 1) % size;
const from = (rank - 1 + size) % size;

function bad(fn: () => unknown, re: RegExp): void {
  throws(fn, (e: unknown) => {
    if (!(e instanceof SpmdError)) throw new Error(`expected SpmdError, got ${e}`);
    if (!re.test(e.message)) throw new Error(`message ${JSON.stringify(e.message)} does not match ${re}`);
    return true;
  });
}

function detached(): Float64Array {
  const a = new Float64Array(4);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}

function nested(depth: number): unknown {
  let o: unknown = { leaf: true };
  for (let i = 0; i < depth; i++) o = { a: o };
  return o;
}

switch (Deno.args[0]) {
  case "surrogates": { // strings with lone surrogates arrive unchanged, bare or inside objects, to self and peer
    const strings = ["\ud800", "a\udc00b", "\udbff\ud800x", "ok \ud83d\ude80", "\ud83d"];
    for (const s of strings) {
      for (const dest of [rank, peer]) {
        comm.send(s, dest, 1);
        comm.send({ s }, dest, 2);
        comm.send([s, s], dest, 3);
      }
      for (const src of [rank, from]) {
        const got = [comm.recv(src, 1), (comm.recv(src, 2) as { s: string }).s, (comm.recv(src, 3) as string[])[1]];
        for (const g of got) {
          if (g !== s) throw new Error(`${JSON.stringify(s)} arrived as ${JSON.stringify(g)}`);
        }
      }
    }
    if (new Status().source !== -2) throw new Error("a fresh Status must have source ANY_SOURCE");
    break;
  }
  case "detached": { // a detached buffer is refused by name in every call that reads or writes one
    bad(() => comm.send(detached(), peer), /^send: the Float64Array's ArrayBuffer is detached/);
    bad(() => comm.isend(detached(), peer), /^isend: the Float64Array's ArrayBuffer is detached/);
    bad(() => comm.sendrecv(detached(), peer), /^sendrecv: the Float64Array's ArrayBuffer is detached/);
    bad(() => comm.send(detached().buffer, peer), /^send: cannot send a detached ArrayBuffer/);
    bad(() => comm.recvInto(detached(), from), /^recvInto: the Float64Array's ArrayBuffer is detached/);
    bad(() => comm.irecvInto(detached(), from), /^irecvInto: the Float64Array's ArrayBuffer is detached/);
    // Collectives: every rank passes a detached array, so every rank gets the error.
    const gone = /the Float64Array's ArrayBuffer is detached/;
    bad(() => comm.allreduce(detached()), gone);
    bad(() => comm.reduce(detached(), undefined, size - 1), gone);
    bad(() => comm.scan(detached()), gone);
    bad(() => comm.reduceScatter(detached(), new Array(size).fill(0)), gone);
    bad(() => comm.gather(detached()), gone);
    bad(() => comm.allgather(detached()), gone);
    bad(() => comm.alltoall(Array.from({ length: size }, detached)), gone);
    bad(() => comm.gatherv(detached(), new Array(size).fill(4)), gone);
    // bcast: only the root's value counts; its error reaches every rank.
    for (const root of [0, size - 1]) {
      bad(() => comm.bcast(rank === root ? detached() : null, root), /^bcast: the root \(rank \d+\) cannot send/);
      bad(() => comm.bcast(rank === root ? () => 1 : null, root), /^bcast: the root .* cannot send a function/);
    }
    if (comm.allreduce(1) !== size) throw new Error("allreduce after the refusals");
    comm.send(new Float64Array([rank]), peer, 4); // and the communicator still works
    if (comm.recv<Float64Array>(from, 4)[0] !== from) throw new Error("message after the refusals went wrong");
    break;
  }
  case "deep": { // a value too deeply nested to rebuild fails the receive by name; the next message arrives
    comm.send(nested(3000), peer, 5);
    comm.send("after", peer, 5);
    bad(
      () => comm.recv(from, 5),
      new RegExp(`^recv: the message from rank ${from} \\(tag 5, \\d+ bytes\\) could not be rebuilt: RangeError`),
    );
    if (comm.recv(from, 5) !== "after") throw new Error("the message after the deep one was lost");
    break;
  }
  case "self-bound": { // self-sends count against the unexpected-queue bound (spawned with a 1 MiB bound)
    const block = new Uint8Array(100_000);
    let sent = 0;
    try {
      for (; sent < 100; sent++) comm.send(block, rank, 7);
      throw new Error("100 self-sends of 100 kB passed a 1 MiB bound");
    } catch (e) {
      if (!(e instanceof SpmdError) || !/past the bound/.test(e.message)) throw e;
    }
    for (let i = 0; i < sent; i++) comm.recv(rank, 7);
    if (comm.iprobe() !== null) throw new Error("the refused self-send was queued anyway");
    break;
  }
  case "bound-then-drain": { // rank 0 floods rank 1 past its bound; rank 1 catches the error and then
    // receives every message exactly once, in order
    const n = 300;
    if (rank === 0) {
      const m = new Int32Array(2500); // 10 kB
      for (let i = 0; i < n; i++) {
        m[0] = i;
        comm.send(m, 1, 1);
      }
      comm.send("end", 1, 2);
    } else if (rank === 1) {
      let errors = 0;
      try {
        comm.recv(0, 2);
        throw new Error("the flood did not pass the bound");
      } catch (e) {
        if (!(e instanceof SpmdError) || !/past the bound/.test(e.message)) throw e;
        errors++;
      }
      let next = 0;
      while (next < n) {
        let m: Int32Array;
        try {
          m = comm.recv<Int32Array>(0, 1);
        } catch (e) {
          if (!(e instanceof SpmdError) || !/past the bound/.test(e.message)) throw e;
          errors++;
          continue;
        }
        if (m[0] !== next) throw new Error(`expected message ${next}, got ${m[0]} (a frame delivered twice or lost)`);
        next++;
      }
      if (comm.recv(0, 2) !== "end") throw new Error("end marker");
      console.log(`drained ${n} messages after ${errors} bound error(s)`);
    }
    break;
  }
  case "request-results": { // a send's request gives undefined; PROC_NULL requests complete with a status saying so
    const s = comm.isend(new Float64Array(4), peer, 8);
    const r = comm.irecv<Float64Array>(from, 8);
    const results = [s.wait(), s.test()[1], waitAll([comm.isend("x", rank, 9)])[0]];
    comm.recv(rank, 9);
    if (r.wait().length !== 4) throw new Error("the message of the irecv");
    if (results.some((v) => v !== undefined)) throw new Error(`a send's request gave ${Deno.inspect(results)}`);
    const st = new Status();
    const nulls = [comm.isend(1, PROC_NULL).wait(), comm.irecvInto(new Uint8Array(1), PROC_NULL).wait()];
    if (nulls.some((v) => v !== undefined)) throw new Error(`PROC_NULL requests gave ${Deno.inspect(nulls)}`);
    if (comm.sendrecv(rank, rank, 10, rank, 10, null as unknown as Status) !== rank) {
      throw new Error("sendrecv with a null status");
    }
    if (comm.irecv(PROC_NULL).wait(st) !== null || st.source !== PROC_NULL || st.tag !== ANY_TAG) {
      throw new Error(`irecv(PROC_NULL): status ${st.source} ${st.tag}`);
    }
    break;
  }
}
