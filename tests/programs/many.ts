// Many ranks on few cores: every rank exchanges with every other rank
// (all-to-all by pairs), then a token circles the ring 3 times.
import { world } from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
for (let step = 1; step < size; step++) {
  const to = (rank + step) % size;
  const from = (rank - step + size) % size;
  const got = comm.sendrecv<number[]>([rank, step, rank * 1000 + to], to, step, from, step);
  if (got[0] !== from || got[1] !== step || got[2] !== from * 1000 + rank) {
    throw new Error(`step ${step}: got ${got} from ${from}`);
  }
}
const next = (rank + 1) % size;
const prev = (rank + size - 1) % size;
let token = rank === 0 ? 0 : -1;
for (let lap = 0; lap < 3; lap++) {
  if (rank === 0) {
    comm.send(token + 1, next);
    token = comm.recv<number>(prev);
  } else {
    token = comm.recv<number>(prev);
    comm.send(token + 1, next);
  }
}
if (rank === 0 && token !== 3 * size) throw new Error(`token ${token}, expected ${3 * size}`);
