// Nonblocking collectives against the blocking ones with user ops that modify their operands (the MPI
// style, allowed: the algorithms pass them only values they own): the results must match the blocking
// call's, bit for bit, and the caller's inputs must stay untouched, as must what a rank's own value
// becomes in a result (a copy, as the blocking calls return).
import { deepEqual, notEqual } from "node:assert/strict";
import { createOp, IN_PLACE, world } from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
const ranks = [...Array(size).keys()];

// 2x2 matrix products: associative, not commutative, exact on small integers. One writes its result into
// its first operand, the other into its second.
function product(a: Float64Array, b: Float64Array): number[] {
  return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]];
}
const intoA = createOp((a: Float64Array, b: Float64Array) => (a.set(product(a, b)), a), { name: "intoA" });
const intoB = createOp((a: Float64Array, b: Float64Array) => (b.set(product(a, b)), b), { name: "intoB" });
const append = (a: number[], b: number[]): number[] => (a.push(...b), a);
const mine = (): Float64Array => new Float64Array([1, rank + 1, rank % 3, 1]);

for (const op of [intoA, intoB]) {
  const tag = op.name;
  // value forms
  let v = mine();
  deepEqual(comm.iallreduce(v, op).wait(), comm.allreduce(mine(), op), `iallreduce ${tag}`);
  deepEqual(v, mine(), `iallreduce ${tag} kept its input`);
  for (let root = 0; root < size; root++) {
    v = mine();
    deepEqual(comm.ireduce(v, op, root).wait(), comm.reduce(mine(), op, root), `ireduce ${tag} root ${root}`);
    deepEqual(v, mine(), `ireduce ${tag} root ${root} kept its input`);
  }
  v = mine();
  deepEqual(comm.iscan(v, op).wait(), comm.scan(mine(), op), `iscan ${tag}`);
  deepEqual(v, mine(), `iscan ${tag} kept its input`);
  v = mine();
  deepEqual(comm.iexscan(v, op).wait(), comm.exscan(mine(), op), `iexscan ${tag}`);
  deepEqual(v, mine(), `iexscan ${tag} kept its input`);
  // buffer forms
  for (const exclusive of [false, true]) {
    const send = mine();
    const a = new Float64Array(4).fill(7);
    const b = new Float64Array(4).fill(7);
    if (exclusive) {
      comm.iexscanInto(send, a, op).wait();
      comm.exscanInto(mine(), b, op);
    } else {
      comm.iscanInto(send, a, op).wait();
      comm.scanInto(mine(), b, op);
    }
    deepEqual(a, b, `i${exclusive ? "ex" : ""}scanInto ${tag}`);
    deepEqual(send, mine(), `i${exclusive ? "ex" : ""}scanInto ${tag} kept its send`);
  }
  const send = mine();
  const a = new Float64Array(4);
  const b = new Float64Array(4);
  comm.iallreduceInto(send, a, op).wait();
  comm.allreduceInto(mine(), b, op);
  deepEqual(a, b, `iallreduceInto ${tag}`);
  deepEqual(send, mine(), `iallreduceInto ${tag} kept its send`);
  const c = mine();
  const d = mine();
  comm.iallreduceInto(IN_PLACE, c, op).wait();
  comm.allreduceInto(IN_PLACE, d, op);
  deepEqual(c, d, `iallreduceInto IN_PLACE ${tag}`);
}

// A plain function that appends to its first operand.
const list = [rank];
deepEqual(comm.iallreduce(list, append).wait(), ranks);
deepEqual(comm.ireduce(list, append, 0).wait(), rank === 0 ? ranks : null);
deepEqual(comm.iscan(list, append).wait(), ranks.slice(0, rank + 1));
deepEqual(comm.iexscan(list, append).wait(), rank === 0 ? null : ranks.slice(0, rank));
deepEqual(list, [rank], "the caller's list is untouched");

// A rank's own value in a result is a copy, as the blocking calls give.
for (let root = 0; root < size; root++) {
  const o = { rank };
  const g = comm.igather(o, root).wait();
  if (g !== null) notEqual(g[root], o, `igather root ${root}: own value is a copy`);
  const values = rank === root ? ranks.map((r) => ({ r })) : null;
  const got = comm.iscatter(values, root).wait();
  deepEqual(got, { r: rank });
  if (values !== null) notEqual(got, values[root], `iscatter root ${root}: own value is a copy`);
}
const o = { rank };
notEqual(comm.iallgather(o).wait()[rank], o, "iallgather: own value is a copy");
notEqual(comm.ialltoall(ranks.map(() => o)).wait()[rank], o, "ialltoall: own value is a copy");
notEqual(comm.iallreduce(o, (x) => x).wait(), o, "iallreduce: the result is not the caller's value");
