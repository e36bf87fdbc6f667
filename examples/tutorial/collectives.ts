// collectives.ts: the collectives every rank calls together, in the same order.
import { MAX, SUM, world } from "@spmd/spmd";

const comm = world();
const { rank, size } = comm;
const root = 0;

// bcast: the root's value, on every rank.
const config = comm.bcast(rank === root ? { steps: 100, label: "run 1" } : null, root);

// scatter: the root hands item r of its array to rank r.
const work = comm.scatter(rank === root ? Array.from({ length: size }, (_, r) => (r + 1) * 10) : null, root);

// reduce: combine one value per rank on the root (null elsewhere); allreduce: on every rank.
const total = comm.reduce(work, SUM, root);
const biggest = comm.allreduce(work, MAX);

// gather: one value per rank, in rank order, on the root (null elsewhere).
const report = comm.gather(`${rank}:${work}`, root);

if (rank === root) {
  console.log(`bcast: ${JSON.stringify(config)}`);
  console.log(`scatter, reduce: total work ${total}`);
  console.log(`allreduce (MAX) on every rank: ${biggest}`);
  console.log(`gather: ${report!.join(" ")}`);
}

// The buffer forms (mpi4py's Bcast, Allreduce, Scatter, Gather): typed arrays,
// the result written into an array you pass, nothing allocated per call.
const params = new Float64Array(3);
if (rank === root) params.set([0.5, 128, 128]);
comm.bcastInto(params, root); // now the root's values on every rank

const local = new Float64Array(4).fill(rank); // 4 numbers per rank
const sums = new Float64Array(4);
comm.allreduceInto(local, sums, SUM); // element-wise sum over the ranks, on every rank

const chunk = new Int32Array(2);
const whole = rank === root ? Int32Array.from({ length: 2 * size }, (_, i) => i) : null;
comm.scatterInto(whole, chunk, root); // rank r gets elements 2r, 2r + 1
chunk[0] *= -1;
const back = rank === root ? new Int32Array(2 * size) : null;
comm.gatherInto(chunk, back, root); // and back, block r from rank r

if (rank === root) {
  console.log(`bcastInto: ${params.join(" ")}`);
  console.log(`allreduceInto: ${sums.join(" ")}`);
  console.log(`scatterInto, gatherInto: ${back!.join(" ")}`);
}
