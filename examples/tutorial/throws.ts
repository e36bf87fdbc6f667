// throws.ts: every rank sends its part to rank 2 and waits for the answer;
// rank 2 finds a part it cannot use and throws.
import { world } from "@spmd/spmd";

const comm = world();
const checker = 2;
if (comm.rank === checker) {
  const parts = new Map<number, number>();
  for (let r = 0; r < comm.size; r++) if (r !== checker) parts.set(r, comm.recv<number>(r));
  for (const [r, part] of parts) {
    if (part < 0) throw new Error(`the part of rank ${r} is negative: ${part}`);
  }
  for (const r of parts.keys()) comm.send("all parts ok", r);
} else {
  const part = comm.rank === 3 ? -1 : comm.rank; // rank 3 has a bug
  const answer = comm.sendrecv(part, checker, 0, checker, 0);
  console.log(`rank ${comm.rank}: ${answer}`);
}
