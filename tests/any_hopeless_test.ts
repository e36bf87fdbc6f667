// waitAny / waitSome over several requests that can never complete must ask
// the backend (Transport.hopeless) often enough: once a shared-memory wait
// has spun out it reads `done` only a few times per 200 ms sleep, so a check
// every 1024th read left rank 0 of a 3-rank job waiting about 3 s after its
// peer had ended (measured; no deadlock report when a third rank is busy).
// Here a fake backend reads `done` at most 200 times, then reports a hang.
import { throws } from "node:assert/strict";
import { Request, type RequestInfo } from "../request.ts";
import { waitAny, waitSome } from "../_requests.ts";
import type { PendingOp, Transport } from "../transport/transport.ts";

/** A receive whose peer has ended: never done, and the backend says so. */
class Lost implements PendingOp {
  done = false;
}

const READS = 200;

function fakeTransport(): Transport {
  const t = {
    enter(): void {},
    leave(): void {},
    test(op: PendingOp): boolean {
      return op.done;
    },
    hopeless(op: PendingOp): Error | null {
      return op instanceof Lost ? new Error("lost: its peer has ended") : null;
    },
    wait(op: PendingOp): null {
      if (op instanceof Lost) throw new Error("lost: its peer has ended");
      for (let i = 0; i < READS; i++) if (op.done) return null;
      throw new Error(`hung: ${READS} reads of done and the wait never ended`);
    },
  };
  return t as unknown as Transport;
}

function lostRequests(t: Transport): Request<unknown>[] {
  const info: RequestInfo = { call: "irecv", send: false, peer: 1, tag: 1, context: 0, into: null };
  return [new Request(t, new Lost(), null, undefined, info), new Request(t, new Lost(), null, undefined, info)];
}

Deno.test("waitAny over requests that can never complete asks the backend within a few hundred reads", () => {
  const t = fakeTransport();
  throws(() => waitAny(lostRequests(t)), /lost: its peer has ended/);
});

Deno.test("waitSome over requests that can never complete asks the backend within a few hundred reads", () => {
  const t = fakeTransport();
  throws(() => waitSome(lostRequests(t)), /lost: its peer has ended/);
});
