/**
 * Hello from every rank, then a ring: each rank passes a token to the next.
 *
 * ```sh
 * deno task spmd -n 4 examples/hello.ts
 * ```
 *
 * @module
 */

import { world } from "../mod.ts";

const comm = world();
console.log(`hello from rank ${comm.rank} of ${comm.size}`);

// Pass a growing list around the ring; rank 0 starts and prints the result.
const next = (comm.rank + 1) % comm.size;
const prev = (comm.rank + comm.size - 1) % comm.size;
if (comm.rank === 0) {
  comm.send([0], next);
  const visited = comm.recv<number[]>(prev);
  console.log(`the token visited ranks ${visited.join(" → ")}`);
} else {
  const token = comm.recv<number[]>(prev);
  token.push(comm.rank);
  comm.send(token, next);
}
