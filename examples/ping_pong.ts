/**
 * Ping-pong between ranks 0 and 1: one-way latency and bandwidth for
 * message sizes from 8 B to 4 MiB, with typed arrays (the zero-serialization
 * fast path) received into a reused buffer.
 *
 * ```sh
 * deno task spmd -n 2 examples/ping_pong.ts
 * ```
 *
 * @module
 */

import { world, wtime } from "../mod.ts";

const comm = world();
if (comm.size < 2) {
  console.error(
    "ping_pong needs at least 2 ranks: deno task spmd -n 2 examples/ping_pong.ts",
  );
  comm.abort(2);
}

const peer = comm.rank === 0 ? 1 : 0;
if (comm.rank <= 1) {
  if (comm.rank === 0) {
    console.log("bytes        one-way latency     bandwidth");
  }
  for (let bytes = 8; bytes <= 4 * 1024 * 1024; bytes *= 4) {
    const buf = new Float64Array(bytes / 8).fill(comm.rank);
    const reps = Math.max(
      20,
      Math.min(20000, Math.floor(2e8 / (bytes + 2000))),
    );
    const warm = Math.ceil(reps / 10);
    let t0 = 0;
    for (let i = 0; i < warm + reps; i++) {
      if (i === warm) t0 = wtime();
      if (comm.rank === 0) {
        comm.send(buf, peer, 1);
        comm.recvInto(buf, peer, 1);
      } else {
        comm.recvInto(buf, peer, 1);
        comm.send(buf, peer, 1);
      }
    }
    const oneWay = (wtime() - t0) / reps / 2;
    if (comm.rank === 0) {
      const gibs = bytes / oneWay / 2 ** 30;
      console.log(
        `${String(bytes).padStart(8)}  ${(oneWay * 1e6).toFixed(2).padStart(12)} µs  ${
          gibs.toFixed(2).padStart(10)
        } GiB/s`,
      );
    }
  }
}
