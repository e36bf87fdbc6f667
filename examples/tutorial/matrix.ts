// matrix.ts: the course's first picture. Each rank computes its elements of a
// 4×5 matrix, then a gather collects them on the last rank, which prints them.
import { world } from "@spmd/spmd";

const ROWS = 4;
const COLS = 5;
const N = ROWS * COLS;

/** Rank r's elements [start, end), split as numpy.array_split splits them. */
function block(r: number, size: number): [number, number] {
  const q = Math.floor(N / size);
  const extra = N % size; // the first `extra` ranks get one element more
  const start = r * q + Math.min(r, extra);
  return [start, start + q + (r < extra ? 1 : 0)];
}

const comm = world();
const root = comm.size - 1; // as in the course: the last rank gathers

const [start, end] = block(comm.rank, comm.size);
const mine: number[] = [];
for (let k = start; k < end; k++) mine.push(10 * comm.rank + (k - start)); // "compute" element k

const parts = comm.gather(mine, root); // on the root: one array per rank, in rank order; null elsewhere
if (parts !== null) {
  const flat = parts.flat();
  for (let i = 0; i < ROWS; i++) {
    console.log(flat.slice(i * COLS, (i + 1) * COLS).map((v) => String(v).padStart(4)).join(""));
  }
  const steps = Math.max(...parts.map((p) => p.length)); // everyone waits for the slowest rank
  console.log(`elements per rank: ${parts.map((p) => p.length).join(" ")}`);
  console.log(`${N} time units on 1 rank, ${steps} on ${comm.size}: speedup ${(N / steps).toFixed(1)}`);
}
