// A nonblocking collective that completes on one rank, which then starts a blocking collective, while the
// next rank still waits for it: valid, and must not be taken for mismatched collectives (the previous rank's
// signature arrives together with its blocking call's first message). Rounds from Deno.args[0].
import { equal } from "node:assert/strict";
import { world } from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
const rounds = Number(Deno.args[0] ?? 200);
for (let i = 0; i < rounds; i++) {
  const root = i % size;
  const vals = rank === root ? Array.from({ length: size }, (_, r) => r + i) : null;
  equal(comm.iscatter(vals, root).wait(), rank + i);
  equal(comm.scatter(vals, root), rank + i);
  equal(comm.ibcast(i, root).wait(), i);
  equal(comm.bcast(i, root), i);
}
