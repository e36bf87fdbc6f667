// A program to trace: a ring of messages, collectives and user regions.
// `fail`: rank 1 throws after its sends (the trace must still hold them);
// `many N`: N messages from rank 0 to rank 1 (to wrap a small buffer).
import { region, traceBegin, traceEnd, world } from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
const mode = Deno.args[0] ?? "ring";

if (mode === "many") {
  const n = Number(Deno.args[1]);
  if (rank === 0) { for (let i = 0; i < n; i++) comm.send(i, 1, 3); }
  if (rank === 1) { for (let i = 0; i < n; i++) comm.recv(0, 3); }
} else {
  region("compute", () => {
    let s = 0;
    for (let i = 0; i < 1000 * (rank + 1); i++) s += Math.sqrt(i);
    return s;
  });
  traceBegin("exchange");
  comm.send(new Float64Array(4).fill(rank), (rank + 1) % size, 7);
  const got = comm.recv((rank - 1 + size) % size, 7) as Float64Array;
  if (got[0] !== (rank - 1 + size) % size) throw new Error(`rank ${rank} got ${got[0]}`);
  traceEnd();
  if (mode === "fail" && rank === 1) throw new Error("rank 1 fails on purpose");
  const total = await region("reduce", async () => {
    await Promise.resolve();
    return comm.allreduce(rank);
  });
  if (total !== (size * (size - 1)) / 2) throw new Error(`allreduce gave ${total}`);
  comm.barrier();
}
