// Deadlocks of several shapes, chosen by Deno.args[0].
import { world } from "../../mod.ts";

const comm = world();
switch (Deno.args[0]) {
  case "cycle": // everyone receives from the next rank; nobody sends
    comm.recv((comm.rank + 1) % comm.size, 3);
    break;
  case "bcast-gather": // rank 0 in bcast, the others in gather, then all in barrier (collectives on messages)
    if (comm.rank === 0) comm.bcast(1, 0);
    else comm.gather(1, 1);
    comm.barrier();
    break;
  case "quick": // rank 0 in barrier, rank 1 in allreduceInto, rank 2 in recv: the slots' fast paths, recorded once they wait
    if (comm.rank === 0) comm.barrier();
    else if (comm.rank === 1) comm.allreduceInto(new Float64Array(1), new Float64Array(1));
    else comm.recv(0, 5);
    break;
  case "roots": // bcast with different roots
    comm.bcast(comm.rank, comm.rank === 0 ? 1 : 0);
    comm.barrier();
    break;
  case "counts": // gatherv where one rank's block is longer than its count (every rank reports it)
    comm.gatherv(new Float64Array(comm.rank === 1 ? 3 : 2), new Array(comm.size).fill(2), 0);
    break;
  case "left-over": // rank 0 in bcast, rank 1 in gather: nobody waits, data would be wrong
    if (comm.rank === 0) comm.bcast(1, 0);
    else comm.gather(1, 0);
    break;
  case "flood": // rank 0 floods rank 1, which waits for another tag
    if (comm.rank === 0) { for (let i = 0; i < 100000; i++) comm.send(new Uint8Array(1000), 1, 1); }
    else if (comm.rank === 1) comm.recv(0, 2);
    break;
}
