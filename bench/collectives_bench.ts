/**
 * Collective benchmarks, OSU style, spmd beside plain Worker.postMessage
 * (the baseline of every group): barrier; bcast, reduce, allreduce, gather,
 * allgather and alltoall at 8 B, 64 KiB and 1 MiB; at 2, 4 and 8 ranks — as
 * `compare/plan.ts` defines them (S-byte Uint8Arrays, Float64Array SUM for
 * reduce and allreduce, root 0; iteration counts and warm-up from
 * `collectiveSteps("full", p)`). One timed iteration = one call on rank 0,
 * the bench thread; the other ranks make the same call in a loop
 * (`_coll_loop.ts`, `_coll.ts`). With 4 and 8 ranks on a 2-core machine the
 * ranks take turns on the cores (a waiting rank sleeps almost at once), so
 * those rows measure the oversubscribed case.
 *
 * The postMessage baseline is a star through rank 0 with plain Web Workers
 * and structured clone (`compare/peer_postmessage.ts` documents each
 * operation): the workers post their part to rank 0, which combines and
 * posts back (a result, or a one-number release so that the workers do not
 * flood its queue); bcast posts S bytes to each worker and waits for each
 * one's acknowledgement. deno bench prints, per group, the baseline and
 * "N× slower than" the spmd row: spmd is N times faster (where postMessage
 * wins, it says "faster than").
 *
 * deno bench prints p75, p99 and p995 beside the mean; read them too, since
 * a rare iteration that loses its core or waits for a sleeping rank to wake
 * costs milliseconds and is averaged in (see `p2p_bench.ts`).
 *
 * `SPMD_COLL_<OP>=<algorithm>` forces an spmd algorithm, e.g.
 * `SPMD_COLL_ALLREDUCE=ring deno bench -A bench/collectives_bench.ts`.
 *
 * @module
 */

import { COLL_RANKS, collectiveSteps } from "./compare/plan.ts";
import { hostJob, pmJob, pmRow, sizeLabel, spmdRow } from "./_jobs.ts";
import { collCall } from "./_coll.ts";

for (const p of COLL_RANKS) {
  for (const step of collectiveSteps("full", p)) {
    const { bench, size } = step;
    const label = bench === "barrier" ? `barrier, ${p} ranks` : `${bench} ${sizeLabel(size)}, ${p} ranks`;
    const row = { group: label, n: step.iters, warmup: step.warmup };
    spmdRow({ ...row, name: `spmd ${label}` }, () => {
      return collCall(hostJob("./_coll_loop.ts", p, [bench, String(size)]), bench, size);
    });
    pmRow({ ...row, name: `postMessage ${label}` }, async () => {
      const job = pmJob(p);
      await job.setup(bench, size);
      return () => job.iteration();
    });
  }
}
