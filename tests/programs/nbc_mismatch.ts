// Nonblocking collectives that do not match between ranks, chosen by Deno.args[0]: each must end
// the job with an SpmdError naming both calls, not hang. Rank `odd` (the last) is the odd one out.
import { world } from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
const odd = rank === size - 1;
const mode = Deno.args[0];
switch (mode) {
  case "calls": // iallreduce against ibcast
    (odd ? comm.ibcast(1, 0) : comm.iallreduce(1)).wait();
    break;
  case "roots": // ibcastInto with another root
    comm.ibcastInto(new Float64Array(2), odd ? 1 % size : 0).wait();
    break;
  case "shapes": // iallreduceInto of another length
    comm.iallreduceInto(new Float64Array(odd ? 3 : 2), new Float64Array(odd ? 3 : 2)).wait();
    break;
  case "types": // igatherInto of another element type
    (odd
      ? comm.igatherInto(new Int32Array(2), rank === 0 ? new Int32Array(2 * size) : null)
      : comm.igatherInto(new Float64Array(2), rank === 0 ? new Float64Array(2 * size) : null)).wait();
    break;
  case "blocking": {
    // A nonblocking collective where another rank calls a blocking one, on a communicator of two of three
    // ranks (one that spans the world would run the blocking call in shared-memory slots, without messages).
    const sub = comm.split(rank < 2 ? 0 : 1)!;
    if (rank === 0) sub.iallreduce(1).wait();
    else if (rank === 1) sub.allreduce(1);
    else comm.recv(0, 99); // waits, as the failure will stop it
    break;
  }
  case "blocking-world": // the same on the world: the deadlock is reported (no message says more)
    if (odd) comm.allreduce(1);
    else comm.iallreduce(1).wait();
    break;
  case "in-flight": // the second of two in flight differs; the first completes
    {
      const a = comm.iallreduce(1);
      const b = odd ? comm.iscan(1) : comm.iexscan(1);
      a.wait();
      b.wait();
    }
    break;
}
