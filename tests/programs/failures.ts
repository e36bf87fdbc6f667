// Ways a rank can fail, chosen by Deno.args[0]; the other ranks are blocked
// in the call named by Deno.args[1] (recv, barrier, busy) when it happens.
import { world } from "../../mod.ts";

const comm = world();
const [how, others = "recv"] = Deno.args;
if (comm.rank === 1) {
  // Wait until every other rank is about to block.
  for (let r = 0; r < comm.size; r++) if (r !== 1) comm.recv(r, 99);
  switch (how) {
    case "reject":
      Promise.reject(new Error("rejected on purpose"));
      await new Promise(() => {}); // never settles; the rejection ends the rank
      break;
    case "exit":
      Deno.exit(3);
      break;
    case "throw-later":
      setTimeout(() => {
        throw new TypeError("thrown from a timer");
      }, 0);
      await new Promise(() => {});
      break;
  }
} else {
  comm.send("ready", 1, 99);
  if (others === "barrier") comm.barrier();
  else if (others === "busy") {
    let x = 0;
    for (;;) x = (x + 1) | 0;
  } else comm.recv(1, 7);
}
