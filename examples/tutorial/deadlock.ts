// deadlock.ts: two ranks that each wait to receive before they send.
import { world } from "@spmd/spmd";

const comm = world();
const other = 1 - comm.rank; // run with -n 2
const got = comm.recv(other); // both ranks block here, forever
comm.send(`hello from ${comm.rank}`, other);
console.log(got);
