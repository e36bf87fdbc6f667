/**
 * The point-to-point benchmarks over spmd, both sides: rank 0's iteration
 * ({@linkcode p2pIteration}, timed by `p2p_bench.ts`) and rank 1's answer
 * ({@linkcode serveP2P}, run by `_p2p_loop.ts`). The tag of the message that
 * starts an iteration tells rank 1 which bench it is, so one job serves them
 * all. Definitions as in `compare/plan.ts` (Uint8Array messages, buffers
 * allocated once and received into):
 * - latency: send S bytes, rank 1 sends S bytes back (one round trip);
 * - bw: 64 isends of S bytes, waitAll, then rank 1's 4-byte acknowledgement;
 * - bibw: 64 irecvInto and 64 isends of S bytes on both ranks, waitAll.
 *
 * @module
 */

import { ANY_TAG, type Comm, type Request, waitAll } from "../mod.ts";
import { P2P_SIZES, WINDOW } from "./compare/plan.ts";

const TAG_LATENCY = 1;
const TAG_BW = 2;
const TAG_BIBW = 3;
const TAG_ACK = 4;

/** The point-to-point benches. */
export type P2PBench = "latency" | "bw" | "bibw";

/** Rank 0's side of one iteration of `bench` with `size`-byte messages, with rank 1. */
export function p2pIteration(comm: Comm, bench: P2PBench, size: number): () => void {
  const out = new Uint8Array(size);
  const into = new Uint8Array(size);
  const reqs: Request<unknown>[] = [];
  switch (bench) {
    case "latency":
      return () => {
        comm.send(out, 1, TAG_LATENCY);
        comm.recvInto(into, 1, TAG_LATENCY);
      };
    case "bw": {
      const ack = new Uint8Array(4);
      return () => {
        for (let i = 0; i < WINDOW; i++) reqs[i] = comm.isend(out, 1, TAG_BW);
        waitAll(reqs);
        comm.recvInto(ack, 1, TAG_ACK);
      };
    }
    case "bibw":
      return () => {
        for (let i = 0; i < WINDOW; i++) reqs[i] = comm.irecvInto(into, 1, TAG_BIBW);
        for (let i = 0; i < WINDOW; i++) reqs[WINDOW + i] = comm.isend(out, 1, TAG_BIBW);
        waitAll(reqs);
      };
  }
}

/** Rank 1: answers rank 0's iterations until the job is stopped. */
export function serveP2P(comm: Comm): never {
  const max = Math.max(...P2P_SIZES);
  const into = new Uint8Array(max);
  const out = new Uint8Array(max);
  const ack = new Uint8Array(4);
  const views = new Map<number, Uint8Array>();
  const view = (n: number) => {
    let v = views.get(n);
    if (v === undefined) views.set(n, v = out.subarray(0, n));
    return v;
  };
  const reqs: Request<unknown>[] = [];
  for (;;) {
    // The first message of an iteration; its tag says which bench.
    const st = comm.recvInto(into, 0, ANY_TAG);
    if (st.tag === TAG_LATENCY) {
      comm.send(view(st.bytes), 0, TAG_LATENCY);
    } else if (st.tag === TAG_BW) {
      for (let i = 1; i < WINDOW; i++) comm.recvInto(into, 0, TAG_BW);
      comm.send(ack, 0, TAG_ACK);
    } else if (st.tag === TAG_BIBW) {
      reqs.length = 0;
      for (let i = 1; i < WINDOW; i++) reqs.push(comm.irecvInto(into, 0, TAG_BIBW));
      const v = view(st.bytes);
      for (let i = 0; i < WINDOW; i++) reqs.push(comm.isend(v, 0, TAG_BIBW));
      waitAll(reqs);
    }
  }
}
