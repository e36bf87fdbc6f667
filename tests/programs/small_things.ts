// issue 14 point 7's small things: self(), wtick(), processorName(),
// comm.compare, comm.name / setName, and the ops REPLACE and NO_OP in
// every reduction, at every root, against results computed locally.
import { isDeepStrictEqual } from "node:util";
import {
  CONGRUENT,
  IDENT,
  NO_OP,
  processorName,
  REPLACE,
  self,
  SIMILAR,
  SpmdError,
  UNEQUAL,
  world,
  wtick,
} from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
const last = size - 1;

function fail(what: string): never {
  throw new Error(`${what} (size ${size}, rank ${rank})`);
}
function eq(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) {
    fail(`${what}: got ${Deno.inspect(actual).slice(0, 300)}, expected ${Deno.inspect(expected).slice(0, 300)}`);
  }
}
function throwsLike(fn: () => unknown, re: RegExp, what: string): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof SpmdError) || !re.test(e.message)) fail(`${what}: threw ${e}`);
    return;
  }
  fail(`${what}: did not throw`);
}

// ---- self() ------------------------------------------------------------------------
const me = self();
eq([me.rank, me.size, me === self(), me.name], [0, 1, true, "MPI_COMM_SELF"], "self()");
eq(me.allreduce(rank + 5), rank + 5, "self allreduce");
eq(me.bcast({ r: rank }), { r: rank }, "self bcast");
eq(me.gatherv(new Int32Array([rank]), [1], 0, [2]), new Int32Array([0, 0, rank]), "self gatherv with displs");
// Its own context: a message sent on the world to this rank is not seen on self, and the other way round.
comm.send("world", rank, 3);
me.send("self", 0, 3);
eq(me.recv(0, 3), "self", "self recv takes self's message");
eq(comm.recv(rank, 3), "world", "world recv takes the world's message");
eq(me.iprobe(0, 3), null, "nothing left on self");
const selfDup = me.dup();
eq([selfDup.size, selfDup.allreduce(1), me.compare(selfDup)], [1, 1, CONGRUENT], "self dup");
comm.barrier();

// ---- wtick, processorName ----------------------------------------------------------------
const tick = wtick();
if (!(tick > 0 && tick <= 0.01)) fail(`wtick() = ${tick}`);
eq(wtick(), tick, "wtick() again");
const host = Deno.permissions.querySync({ name: "sys", kind: "hostname" }).state === "granted"
  ? Deno.hostname()
  : "localhost";
eq(processorName(), host, "processorName()");
eq(comm.allgather(processorName()), new Array(size).fill(host), "every rank on one host");

// ---- compare, name -----------------------------------------------------------------------
eq(comm.compare(comm), IDENT, "compare world world");
eq(comm.compare(world()), IDENT, "compare world world()");
const d = comm.dup();
eq(comm.compare(d), CONGRUENT, "compare world dup");
const reversed = comm.split(0, size - rank)!;
eq(comm.compare(reversed), size > 1 ? SIMILAR : CONGRUENT, "compare world reversed");
eq(reversed.compare(comm), size > 1 ? SIMILAR : CONGRUENT, "compare reversed world");
const halves = comm.split(rank % 2)!;
eq(comm.compare(halves), size > 1 ? UNEQUAL : CONGRUENT, "compare world halves");
eq(comm.compare(me), size > 1 ? UNEQUAL : CONGRUENT, "compare world self");
throwsLike(() => comm.compare("world" as never), /^compare: other must be a communicator, got "world"/, "compare bad");
eq([comm.name, d.name, halves.name], ["MPI_COMM_WORLD", "", ""], "names");
d.setName(`grid ${rank}`);
eq([d.name, comm.name], [`grid ${rank}`, "MPI_COMM_WORLD"], "setName");
throwsLike(() => d.setName(7 as never), /^setName: name must be a string, got 7/, "setName bad");

// ---- REPLACE and NO_OP ----------------------------------------------------------------
const f64 = (r: number) => Float64Array.from({ length: 5 }, (_, i) => r * 10 + i);
eq(comm.allreduce(rank, REPLACE), last, "allreduce REPLACE");
eq(comm.allreduce(rank, NO_OP), 0, "allreduce NO_OP");
eq(comm.allreduce(`r${rank}`, REPLACE), `r${last}`, "allreduce REPLACE of strings");
eq(comm.allreduce(f64(rank), REPLACE), f64(last), "allreduce REPLACE typed");
eq(comm.allreduce(f64(rank), NO_OP), f64(0), "allreduce NO_OP typed");
eq(comm.allreduce([rank, -rank], REPLACE), [last, -last], "allreduce REPLACE array");
const big = Float64Array.from({ length: 20_000 }, (_, i) => i + rank);
eq(comm.allreduce(big, REPLACE), Float64Array.from({ length: 20_000 }, (_, i) => i + last), "allreduce REPLACE large");
for (let root = 0; root < size; root++) {
  eq(comm.reduce(rank * 3, REPLACE, root), rank === root ? last * 3 : null, `reduce REPLACE root ${root}`);
  eq(comm.reduce(f64(rank), NO_OP, root), rank === root ? f64(0) : null, `reduce NO_OP root ${root}`);
  const recv = new Float64Array(5);
  comm.reduceInto(f64(rank), rank === root ? recv : null, REPLACE, root);
  if (rank === root) eq(recv, f64(last), `reduceInto REPLACE root ${root}`);
}
eq(comm.scan(rank, REPLACE), rank, "scan REPLACE");
eq(comm.scan(rank, NO_OP), 0, "scan NO_OP");
eq(comm.exscan(rank, REPLACE), rank === 0 ? null : rank - 1, "exscan REPLACE");
const into = new Int32Array(3);
comm.allreduceInto(new Int32Array([rank, rank + 1, rank + 2]), into, REPLACE);
eq(into, new Int32Array([last, last + 1, last + 2]), "allreduceInto REPLACE");
comm.allreduceInto(new Int32Array([rank, rank + 1, rank + 2]), into, NO_OP);
eq(into, new Int32Array([0, 1, 2]), "allreduceInto NO_OP");
comm.scanInto(new Int32Array([rank, 0, 0]), into, NO_OP);
eq(into, new Int32Array([0, 0, 0]), "scanInto NO_OP");
eq(
  comm.reduceScatterBlock(Int32Array.from({ length: 2 * size }, (_, i) => i * 100 + rank), REPLACE),
  new Int32Array([2 * rank * 100 + last, (2 * rank + 1) * 100 + last]),
  "reduceScatterBlock REPLACE",
);
eq(REPLACE.fn(1, 2), 2, "REPLACE(1, 2)");
eq(NO_OP.fn(1, 2), 1, "NO_OP(1, 2)");

// ---- comm.free() -----------------------------------------------------------------------
const scratch = comm.dup();
scratch.setName("scratch");
eq(scratch.allreduce(1), size, "scratch works before free");
scratch.free();
const freed = (call: string) => new RegExp(`^${call}: communicator scratch was freed \\(comm\\.free\\(\\)\\)$`);
throwsLike(() => scratch.send(1, 0), freed("send"), "send on a freed comm");
throwsLike(() => scratch.recv(0, 0), freed("recv"), "recv on a freed comm");
throwsLike(() => scratch.isend(1, 0), freed("isend"), "isend on a freed comm");
throwsLike(() => scratch.iprobe(), freed("iprobe"), "iprobe on a freed comm");
throwsLike(() => scratch.ssend(1, 0), freed("ssend"), "ssend on a freed comm");
throwsLike(() => scratch.allreduce(1), freed("allreduce"), "allreduce on a freed comm");
throwsLike(() => scratch.gatherv(new Int8Array(0), ranks0()), freed("gatherv"), "gatherv on a freed comm");
throwsLike(() => scratch.allreduceInto(new Int32Array(1), new Int32Array(1)), freed("allreduceInto"), "allreduceInto");
throwsLike(() => scratch.dup(), freed("dup"), "dup of a freed comm");
throwsLike(() => scratch.free(), freed("free"), "free twice");
const unnamed = comm.split(0)!;
unnamed.free();
throwsLike(() => unnamed.barrier(), /^barrier: communicator comm=\d+ was freed \(comm\.free\(\)\)$/, "unnamed freed");
throwsLike(() => comm.free(), /^free: MPI_COMM_WORLD cannot be freed$/, "free the world");
throwsLike(() => self().free(), /^free: MPI_COMM_SELF cannot be freed$/, "free self");
const mem = comm.alloc(Float64Array, 4);
comm.free(mem); // free(array) still returns memory
eq(comm.allreduce(1), size, "the world works after its dup was freed");

function ranks0(): number[] {
  return new Array(size).fill(0);
}
