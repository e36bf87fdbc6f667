/**
 * Point-to-point benchmarks, OSU style, spmd beside plain Worker.postMessage
 * (the baseline of every group): latency, bandwidth and bidirectional
 * bandwidth for 1 B to 4 MiB in powers of 4, as `compare/plan.ts` defines
 * them. Rank 0 is the bench thread; rank 1 is a worker (`_p2p_loop.ts` for
 * spmd, `compare/_pm_rank.ts` for postMessage). Iteration counts and warm-up
 * come from the plan (`p2pSteps("full")`); see `_jobs.ts` for how a row warms
 * up.
 *
 * What one timed iteration (one row's time/iter) is:
 * - `latency S: round trip (one-way = half)` — rank 0 sends S bytes and
 *   receives S bytes back. deno bench cannot divide: the one-way latency of
 *   OSU's osu_latency is half the time shown.
 * - `bw S: window of 64 + ack` — 64 messages of S bytes to rank 1, then its
 *   4-byte acknowledgement; bandwidth = 64·S / time.
 * - `bibw S: 64 each way` — 64 messages of S bytes each way at once;
 *   bandwidth = 2·64·S / time.
 *
 * The postMessage rows structured-clone a Uint8Array (no transfer) and await
 * the answer (`compare/peer_postmessage.ts` says what each does). deno bench
 * prints, per group, the baseline and "N× slower than" the spmd row: spmd is
 * N times faster (where postMessage wins, it says "faster than").
 *
 * Outliers. deno bench prints p75, p99 and p995 beside the mean; read them
 * too. Found by timing 200,000 single round trips: the 0.1–8 ms outliers
 * bunch up in the first ~150 ms of a job (JIT compiles and young-heap growth
 * taking a core from one of the two spinning ranks; runs of 0.5 ms round
 * trips are a rank spinning out its whole budget for a peer without a core).
 * Hence the 200 ms warm-up of every row: against 20 ms it took the 2-rank
 * barrier from 6–8 µs to 0.7–1.4 µs mean, p99 from 0.26–0.5 ms to 0.6–2.6 µs.
 * A larger young heap (8 scavenges instead of 136) did not help; a 200-poll
 * spin budget made every round trip a sleep and wake-up (p50 28 µs).
 *
 * @module
 */

import { p2pSteps } from "./compare/plan.ts";
import { hostJob, pmJob, pmRow, sizeLabel, spmdRow } from "./_jobs.ts";
import { type P2PBench, p2pIteration } from "./_p2p.ts";

const WHAT: Record<P2PBench, string> = {
  latency: "round trip (one-way = half)",
  bw: "window of 64 + ack",
  bibw: "64 each way",
};

for (const step of p2pSteps("full")) {
  const bench = step.bench as P2PBench;
  const label = `${bench} ${sizeLabel(step.size)}`;
  const row = { group: label, n: step.iters, warmup: step.warmup };
  spmdRow({ ...row, name: `spmd ${label}: ${WHAT[bench]}` }, () => {
    return p2pIteration(hostJob("./_p2p_loop.ts", 2), bench, step.size);
  });
  pmRow({ ...row, name: `postMessage ${label}: ${WHAT[bench]}` }, async () => {
    const job = pmJob(2);
    await job.setup(bench, step.size);
    return () => job.iteration();
  });
}
