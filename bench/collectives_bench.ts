// Collectives at 2, 4 and 8 ranks. Rank 0 is the bench thread; the other
// ranks run the same collective in a loop (bench/_coll_loop.ts). One
// iteration = one collective call. With 8 ranks on 2 cores the ranks take
// turns on the cores, so those rows measure the oversubscribed case.
import { hostJob, stopJobs } from "./_jobs.ts";

const KIB = 1024;
const sizes = [2, 4, 8];
for (const p of sizes) {
  const group = `${p} ranks`;
  Deno.bench({
    name: `barrier (${p} ranks)`,
    group,
    fn() {
      hostJob("./_coll_loop.ts", p, ["barrier", "8"]).barrier();
    },
  });
  for (const bytes of [8, 1024 * KIB]) {
    const buf = new Float64Array(bytes / 8);
    const label = bytes === 8 ? "8 B" : "1 MiB";
    Deno.bench({
      name: `allreduce Float64Array ${label} (${p} ranks)`,
      group,
      fn() {
        hostJob("./_coll_loop.ts", p, ["allreduce", String(bytes)]).allreduce(buf);
      },
    });
    Deno.bench({
      name: `bcast Float64Array ${label} (${p} ranks)`,
      group,
      fn() {
        hostJob("./_coll_loop.ts", p, ["bcast", String(bytes)]).bcast(buf, 0);
      },
    });
  }
}
Deno.bench({
  name: "teardown",
  n: 1,
  warmup: 0,
  fn() {
    stopJobs();
  },
});
