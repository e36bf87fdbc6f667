// A lost wake-up for room (reviewer's reproduction): rank 1 takes rank 0's frames by direct recvInto,
// alternating with direct takes from rank 2, so that every 8th direct take (the one that wakes its sender)
// is always from rank 2; then it receives rank 0's last, queued, messages with comm.recv (the general wait,
// whose pulls find rank 0's ring empty and so wake nobody). Rank 0 sleeps meanwhile in a recv (not a wait
// for room: up to SLEEP_MS = 200 ms) with those messages queued for want of a cell. Prints the time per round.
import { world } from "../../mod.ts";

const comm = world();
const rank = comm.rank;
const rounds = Number(Deno.args[0] ?? 10);
// deno-lint-ignore no-explicit-any
const cells: number = (comm.transport as any).layout?.cells ?? 512;
const extra = 4;
const x = new Float64Array(1);
const spin = (ms: number) => {
  const t = performance.now();
  while (performance.now() - t < ms);
};
const times: number[] = [];
for (let r = 0; r < rounds; r++) {
  comm.barrier();
  const t0 = performance.now();
  if (rank === 0) {
    const reqs = [];
    for (let j = 0; j < cells + extra; j++) reqs.push(comm.isend(new Float64Array([j]), 1, 1));
    comm.recv(1, 9); // sleeps: rank 1 is busy
    for (const q of reqs) q.wait();
  } else if (rank === 2) {
    for (let j = 0; j < cells; j++) comm.send(new Float64Array([j]), 1, 2);
    comm.recv(1, 9);
  } else if (rank === 1) {
    spin(20); // rank 0 goes to sleep in its recv
    for (let j = 0; j < cells; j++) {
      comm.recvInto(x, 0, 1);
      if (x[0] !== j) throw new Error(`from 0: got ${x[0]}, want ${j}`);
      comm.recvInto(x, 2, 2);
      if (x[0] !== j) throw new Error(`from 2: got ${x[0]}, want ${j}`);
    }
    for (let j = cells; j < cells + extra; j++) {
      const v = Deno.args[1] === "into" ? x : comm.recv(0, 1) as Float64Array;
      if (Deno.args[1] === "into") comm.recvInto(x, 0, 1); // the direct path: wakes rank 0 when the ring is empty
      if (v[0] !== j) throw new Error(`from 0 (recv): got ${v[0]}, want ${j}`);
    }
    comm.send("done", 0, 9);
    comm.send("done", 2, 9);
  }
  times.push(performance.now() - t0);
}
if (rank === 1) console.log(`cells ${cells}; ms per round: ${times.map((t) => t.toFixed(1)).join(" ")}`);
