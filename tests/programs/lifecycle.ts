// How a rank's life ends, chosen by Deno.args[0]: work that goes on after the
// module's top level returned, early exits, unreceived messages, and waits
// that are not collectives.
import { ANY_SOURCE, createOp, type Request, waitAll, world } from "../../mod.ts";

const comm = world();
const { rank, size } = comm;

/** Local work for `ms` milliseconds (stands for a slow computation; never a synchronisation). */
function compute(ms: number): void {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x = (x + 1) | 0;
}

switch (Deno.args[0]) {
  case "late-throw": // rank 1 throws from a timer after its module returned; nobody waits on it
    if (rank === 1) {
      setTimeout(() => {
        throw new RangeError("thrown from a late timer");
      }, 30);
    }
    break;
  case "late-reject": // rank 1 rejects after its module returned; nobody waits on it
    if (rank === 1) setTimeout(() => void Promise.reject(new Error("rejected late")), 30);
    break;
  case "late-throw-waited": // rank 1 throws from a timer while rank 0 waits for its message
    if (rank === 1) {
      comm.recv(0, 4); // rank 0 is running (not still starting) and about to wait
      setTimeout(() => {
        throw new TypeError("thrown from a timer while rank 0 waits");
      }, 30);
    } else if (rank === 0) {
      comm.send("ready", 1, 4);
      comm.recv(1, 5);
    }
    break;
  case "async-main": { // an async main that is not awaited still runs to its end on every rank
    const main = async (): Promise<void> => {
      await new Promise((r) => setTimeout(r, 20));
      const sum = comm.allreduce(rank + 1);
      await Promise.resolve();
      comm.barrier();
      if (sum !== (size * (size + 1)) / 2) throw new Error(`allreduce gave ${sum}`);
      console.log(`rank ${rank}: async main finished with ${sum}`);
    };
    main();
    break;
  }
  case "exit0-waited": // rank 1 calls Deno.exit(0) while rank 0 still needs its message
    if (rank === 1) Deno.exit(0);
    else if (rank === 0) comm.recv(1, 4);
    break;
  case "unreceived-isend": // a 4 MiB isend (larger than the ring) that nobody receives
    if (rank === 0) comm.isend(new Uint8Array(4 << 20), 1, 5);
    break;
  case "unreceived-small": // small sends that nobody receives
    if (rank === 0) {
      comm.send(1.5, 1, 6);
      comm.send("two", 1, 7);
    }
    break;
  case "unreceived-after-finish": // rank 0 sends to a rank that has finished (it tells rank 0 first)
    if (rank === 1) comm.send("bye", 0, 1);
    else if (rank === 0) {
      comm.recv(1, 1);
      comm.send(new Float64Array(3), 1, 8);
    }
    break;
  case "recv-from-ended": // rank 0 waits for a message from rank 1, which finishes without sending
    if (rank === 0) comm.recv(1, 3);
    break;
  case "send-to-ended": // a blocking send larger than the ring to a rank that finishes without receiving
    if (rank === 0) comm.send(new Uint8Array(4 << 20), 1, 5);
    break;
  case "irecv-unwaited": { // rank 1 starts a receive and never waits for it; rank 0 sends after a while
    if (rank === 1) comm.irecv(0, 5);
    else if (rank === 0) {
      compute(Number(Deno.args[1] ?? 0));
      comm.send(1, 1, 5);
    }
    break;
  }
  case "late-exit": // rank 1 calls Deno.exit(3) from a timer after it finished, while rank 0 still runs
    if (rank === 1) {
      const t = setTimeout(() => Deno.exit(3), 30);
      Deno.unrefTimer(t);
    } else if (rank === 0) compute(400);
    break;
  case "exit256": // Deno.exit(256) while rank 0 waits: an exit status is a byte, 256 must not read as success
    if (rank === 1) Deno.exit(256);
    else if (rank === 0) comm.recv(1, 4);
    break;
  case "timer-only": // rank 1's module returns but an interval keeps it alive; rank 0 waits for it until the timeout
    if (rank === 1) setInterval(() => {}, 50);
    else if (rank === 0) comm.recv(1, 4);
    break;
  case "slow-op": { // a user op that computes for 700 ms inside allreduce and reduce is not a deadlock
    const slow = createOp((a: number, b: number) => {
      compute(700);
      return a + b;
    }, { commutative: true });
    const all = comm.allreduce(1, slow);
    if (all !== size) throw new Error(`allreduce gave ${all}`);
    const r = comm.reduce(rank, slow, size - 1);
    if (rank === size - 1 && r !== (size * (size - 1)) / 2) throw new Error(`reduce gave ${r}`);
    break;
  }
  case "slow-serialize": { // serializing a large object graph (> 300 ms) while the receiver waits
    if (rank === 0) {
      const graph = Array.from({ length: 1_500_000 }, (_, i) => ({ i, s: `n${i}`, t: [i, i + 1] }));
      const t0 = performance.now();
      comm.send(graph, 1, 2);
      console.log(`send of the graph took ${Math.round(performance.now() - t0)} ms`);
    } else if (rank === 1) {
      const g = comm.recv<{ i: number }[]>(0, 2);
      if (g.length !== 1_500_000 || g[12345].i !== 12345) throw new Error("graph arrived wrong");
    }
    break;
  }
  case "wait-deadlock": { // irecv + wait on rank 0, irecv + waitAll on rank 1, nobody sends
    if (rank === 0) comm.irecv(1, 3).wait();
    else if (rank === 1) {
      const reqs: Request[] = [comm.irecv(ANY_SOURCE, 4)];
      waitAll(reqs);
    }
    break;
  }
}
