// Rank 0 aborts with code 3 (or Deno.args[0]) while the others wait in recv.
import { world } from "../../mod.ts";
const comm = world();
const code = Deno.args[0] === undefined ? 3 : Number(Deno.args[0]);
if (comm.rank === 0) {
  // Wait until every other rank is about to block.
  for (let r = 1; r < comm.size; r++) comm.recv(r, 2);
  comm.abort(code, "giving up on purpose");
}
comm.send("ready", 0, 2);
comm.recv(0, 1);
