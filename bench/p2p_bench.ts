// Point-to-point ping-pong between two ranks (rank 0 is the bench thread,
// rank 1 a worker that echoes). Each iteration is one ROUND TRIP: one-way
// latency is half the time shown. The same ping-pong over
// Worker.postMessage stands beside it as the baseline.

import { hostJob, stopJobs } from "./_jobs.ts";

const small = new Float64Array(1);
const big = new Float64Array(1 << 17); // 1 MiB

for (const [label, buf] of [["8 B", small], ["1 MiB", big]] as const) {
  Deno.bench({
    name: `spmd send/recvInto Float64Array ${label} round trip`,
    group: label,
    baseline: true,
    fn() {
      const comm = hostJob("./_echo.ts", 2);
      comm.send(buf, 1, 1);
      comm.recvInto(buf, 1, 1);
    },
  });
  Deno.bench({
    name: `spmd send/recv Float64Array ${label} round trip`,
    group: label,
    fn() {
      const comm = hostJob("./_echo.ts", 2);
      comm.send(buf, 1, 1);
      comm.recv(1, 1);
    },
  });
}

let pm: Worker | null = null;
let pmResolve: (() => void) | null = null;
function postMessageWorker(): Worker {
  if (pm === null) {
    stopJobs();
    pm = new Worker(new URL("./_pm_echo.ts", import.meta.url), { type: "module" });
    pm.onmessage = () => pmResolve!();
  }
  return pm;
}
for (const [label, buf] of [["8 B", small], ["1 MiB", big]] as const) {
  Deno.bench({
    name: `postMessage Float64Array ${label} round trip (baseline)`,
    group: label,
    async fn() {
      const w = postMessageWorker();
      const done = new Promise<void>((r) => pmResolve = r);
      w.postMessage(buf);
      await done;
    },
  });
}
Deno.bench({
  name: "teardown",
  ignore: false,
  n: 1,
  warmup: 0,
  fn() {
    stopJobs();
    pm?.terminate();
    pm = null;
  },
});
