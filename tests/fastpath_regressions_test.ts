// Regressions found in review of the shared-memory fast paths (each failed at
// 1c653d8 and passed before the fast paths, at a90b5bc): room a receiver took
// directly must reach its sender even when the receiver then waits outside
// spmd; a host job's report; the fast paths after an abort or the job's end.

import { equal, match, ok, throws } from "node:assert/strict";
import { spawn } from "../mod.ts";
import { Comm } from "../comm.ts";
import { startJob } from "../launcher/job.ts";
import { cli } from "./_util.ts";
import { snapshot } from "../transport/activity.ts";
import { activityBase, attachShm, createShm, layoutFor, MIN_RING_BYTES } from "../transport/shm_layout.ts";
import { ShmTransport } from "../transport/shm_transport.ts";
import { typedKind } from "../transport/typed.ts";

const PROGRAM = new URL("./programs/fastpath.ts", import.meta.url);

Deno.test("a sender learns of the cells a receiver read directly while the receiver waits outside spmd", async () => {
  // Rank 1 reads 31 messages through the direct path (held back, unreleased) and then waits on a window flag;
  // rank 0's next 64 sends fit the 64-cell ring only if those 31 cells are released.
  await spawn(PROGRAM, { size: 2, args: ["held"], timeout: 60 });
});

Deno.test("the same with a receiver that polls a window with lock / get / unlock (spmd calls that never wait)", async () => {
  // A pure-spmd program: rank 0 blocks in send for want of cells that rank 1 has read and holds back; rank 1 polls
  // for a counter rank 0 sets after its sends. Neither waits in the wait loop, so no deadlock is reported either.
  await spawn(PROGRAM, { size: 2, args: ["held-rma-poll"], timeout: 60 });
});

/** A host job (rank 0 on this thread) whose rank 1 sends `n` small typed arrays to rank 0 and finishes. */
async function hostJob(n: number) {
  const job = startJob({ module: PROGRAM, size: 2, args: ["send-to-host", String(n)], host: true, timeout: 30 });
  const host = new Comm({ transport: job.host!, context: 0 });
  // Until rank 1 has sent them all (read from its activity block; the rings are left alone).
  const layout = attachShm(job.sab);
  const words = new Int32Array(job.sab, 0, layout.ctlWords);
  while (snapshot(words, activityBase(layout, 1)).sent < n) await new Promise((r) => setTimeout(r, 2));
  return { job, host };
}

Deno.test("a host job whose host received every message by recvInto ends with nothing unreceived", async () => {
  const { job, host } = await hostJob(3);
  const x = new Float64Array(1);
  for (let i = 0; i < 3; i++) {
    host.recvInto(x, 1, 1);
    equal(x[0], i);
  }
  const res = await job.done;
  ok(res.ok, res.failure?.message); // fails: "3 message(s) were sent and never received" (the host's reads were lazy)
});

Deno.test("after a host job has ended, typed send and recvInto throw as other calls do", async () => {
  const { job, host } = await hostJob(1);
  const r = host.isend(new Float64Array([1]), 1, 7); // goes at once; rank 1 never receives it
  await job.done;
  throws(() => host.send(1, 1, 0), /SpmdError: send: the communicator is no longer usable/); // holds
  throws(() => host.send(new Float64Array([2]), 1, 0), /SpmdError: send: the communicator is no longer usable/);
  throws(() => host.recvInto(new Float64Array(1), 1, 1), /SpmdError: recvInto: the communicator is no longer usable/);
  throws(() => r.wait(), /SpmdError: isend: the communicator is no longer usable/);
});

Deno.test("after an abort, a typed send throws as a number's does", async () => {
  const r = await cli(["-n", "3", "--timeout", "30", "tests/programs/fastpath.ts", "after-abort"]);
  match(r.stdout, /rank 0: send\(number\) after the abort threw AbortedError/); // holds
  match(r.stdout, /rank 0: send\(Float64Array\) after the abort threw AbortedError/); // fails: "returned"
});

Deno.test("a receiver that always finds its message there does not stall its sender after 2 GiB", () => {
  // The direct receive passes ring bytes without storing `tail` (its sender infers them from the cells taken) and
  // stores it only when it is about to wait: one that never waits left `tail` at 0, and once 2^31 bytes had gone
  // through, the sender's signed comparison of positions turned around and it found no room, ever (a hang).
  const sab = createShm(layoutFor(2, MIN_RING_BYTES));
  const a = new ShmTransport({ sab, rank: 0, spin: 4 });
  const b = new ShmTransport({ sab, rank: 1, spin: 4 });
  const msg = new Uint8Array(MIN_RING_BYTES / 2); // whole in the ring, two at a time
  const into = new Uint8Array(msg.length);
  const kind = typedKind(msg);
  const n = 2 ** 31 / msg.length + 4096;
  for (let i = 0; i < n; i++) {
    msg[i & 1023] = i & 255;
    if (!a.trySend!(kind, msg, 1, 5, 0)) throw new Error(`send ${i} (byte ${i * msg.length}) found no room`);
    b.recvInto(into, 0, 5, 0); // there: taken directly, without a wait
    if (into[i & 1023] !== (i & 255)) throw new Error(`message ${i} arrived wrong`);
  }
});
