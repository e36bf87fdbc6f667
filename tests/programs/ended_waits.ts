// Waits that are not a single blocking call, on a peer that has finished
// without sending: they must fail (or be reported as a deadlock), never
// hang. Rank 1 returns at once; rank 0 waits by `mode` (args[0]).

import { waitAny, waitSome, world } from "../../mod.ts";

const comm = world();
const mode = Deno.args[0];
if (comm.rank === 0) {
  const rs = [comm.irecv(1, 1), comm.irecv(1, 2)];
  if (mode === "waitAny") waitAny(rs);
  else if (mode === "waitSome") waitSome(rs);
  else if (mode === "await") await rs[0];
  else throw new Error(`unknown mode ${mode}`);
}
