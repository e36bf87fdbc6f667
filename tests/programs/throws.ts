// Rank 1 throws once every other rank is blocked in recv on a message that
// never comes. With the argument "busy", rank 2 spins in a busy loop instead.
import { world } from "../../mod.ts";
const comm = world();
const busy = Deno.args[0] === "busy";
if (comm.rank === 1) {
  for (let r = 0; r < comm.size; r++) if (r !== 1) comm.recv(r, 1);
  throw new Error(`boom from rank one (${comm.size})`);
} else if (comm.rank === 2 && busy) {
  comm.send("ready", 1, 1);
  let x = 0;
  for (;;) x = (x + 1) | 0;
} else {
  comm.send("ready", 1, 1);
  comm.recv(1, 7);
}
