/**
 * One rank (1 … p−1) of the postMessage peer: a plain Web Worker that talks
 * to rank 0 (the main thread) with `postMessage` only — no spmd, no shared
 * memory, no transfer lists: typed arrays go by structured clone, as a user
 * who never heard of spmd would write it. Rank 0's side, and what each bench
 * does, is in `peer_postmessage.ts` (class `PmJob`).
 *
 * Protocol. Rank 0 posts `{ setup: { bench, size, ranks, rank } }`; the
 * worker allocates its buffers, answers `{ ready: rank }` and from then on
 * answers every message from rank 0 as the bench says:
 *
 * | bench       | on each message from rank 0                            | also right after setup |
 * | ----------- | ------------------------------------------------------ | ---------------------- |
 * | latency     | post S bytes back (rank 1 only)                         |                        |
 * | bw          | count; every 64th: post a 4-byte acknowledgement        |                        |
 * | bibw        | first message of each window of 64: post 64 × S bytes   |                        |
 * | bcast       | post a 0 (acknowledgement)                              |                        |
 * | barrier     | post a 0 (arrival at the next barrier)                  | post a 0               |
 * | the others  | post its contribution for the next call                 | post its contribution  |
 *
 * A message is `{ setup }` only at the start of a step; everything else is a
 * typed array or a number. Messages that belong to an earlier step arrive
 * before `{ ready }` (each direction is FIFO), and rank 0 ignores them.
 *
 * @module
 */

import { type BenchName, WINDOW } from "./plan.ts";

/** What rank 0 posts at the start of a step. */
export interface PmSetup {
  setup: { bench: BenchName; size: number; ranks: number; rank: number };
}

const scope = self as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(m: unknown): void;
};
const post = (m: unknown) => scope.postMessage(m);

/** This rank's answer to each message of the current step. */
let answer: (data: unknown) => void = () => {};

/** The answer function of one step; posts what the step posts right after setup. */
function begin({ bench, size, ranks, rank }: PmSetup["setup"]): (data: unknown) => void {
  const p2p = bench === "latency" || bench === "bw" || bench === "bibw";
  if (p2p && rank !== 1) return () => {};
  const bytes = new Uint8Array(size);
  switch (bench) {
    case "latency":
      return () => post(bytes);
    case "bw": {
      const ack = new Uint8Array(4);
      let count = 0;
      return () => {
        if (++count === WINDOW) {
          count = 0;
          post(ack);
        }
      };
    }
    case "bibw": {
      let count = 0;
      return () => {
        if (count === 0) { for (let i = 0; i < WINDOW; i++) post(bytes); }
        if (++count === WINDOW) count = 0;
      };
    }
    case "bcast":
      return () => post(0);
    case "barrier":
      post(0);
      return () => post(0);
    default: {
      // reduce / allreduce: S/8 float64 (at least one); gather / allgather: S bytes; alltoall: p blocks of S bytes.
      const mine = bench === "reduce" || bench === "allreduce"
        ? new Float64Array(Math.max(1, size / 8)).fill(rank)
        : new Uint8Array(bench === "alltoall" ? ranks * size : size).fill(rank);
      post(mine);
      return () => post(mine);
    }
  }
}

scope.onmessage = (e: MessageEvent) => {
  const data = e.data;
  if (typeof data === "object" && data !== null && "setup" in data) {
    const { setup } = data as PmSetup;
    post({ ready: setup.rank });
    answer = begin(setup);
  } else {
    answer(data);
  }
};
