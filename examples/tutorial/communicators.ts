// communicators.ts: split the world into groups of ranks that talk among themselves.
import { SUM, world } from "@spmd/spmd";

const comm = world();

// Ranks with the same color land in one new communicator, ordered by key
// (here: by world rank). Each has its own ranks 0..size-1.
const row = comm.split(Math.floor(comm.rank / 2), comm.rank);
if (row === null) throw new Error("every rank passed a color");
const rowSum = row.allreduce(comm.rank, SUM); // a collective within the row only
console.log(
  `world rank ${comm.rank}: row ${Math.floor(comm.rank / 2)}, rank ${row.rank} of ${row.size}, row sum ${rowSum}`,
);

// dup: the same ranks with a separate message context, e.g. for a library,
// so that its messages never match the application's.
const lib = comm.dup();
if (comm.rank === 0) {
  comm.send("for the application", 1, 7);
  lib.send("for the library", 1, 7); // same destination and tag, another communicator
}
if (comm.rank === 1) {
  console.log(`lib got "${lib.recv(0, 7)}", then comm got "${comm.recv(0, 7)}"`);
}
lib.free();
row.free();
