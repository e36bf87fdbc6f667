// 4 MiB and 64 MiB typed arrays between ranks 0 and 1 (both directions),
// received with recv and with recvInto; then 16 MiB exchanged both ways at
// once with isend/irecv, and with sendrecv.
import { world } from "../../mod.ts";
import { checkPattern, fillPattern } from "../_util.ts";

const comm = world();
const peer = 1 - comm.rank;
function check(u8: Uint8Array, id: number, what: string): void {
  const bad = checkPattern(u8, id);
  if (bad >= 0) throw new Error(`${what}: byte ${bad} of ${u8.length} corrupted`);
}
for (const mib of [4, 64]) {
  const n = mib * 1024 * 1024 / 8;
  const a = new Float64Array(n);
  const u8 = new Uint8Array(a.buffer);
  if (comm.rank === 0) {
    fillPattern(u8, mib);
    comm.send(a, 1, mib);
    const back = comm.recv<Float64Array>(1, mib);
    if (!(back instanceof Float64Array) || back.length !== n) throw new Error(`echo of ${mib} MiB: wrong type/length`);
    check(new Uint8Array(back.buffer), mib + 1, `echo of ${mib} MiB`);
    // recvInto a bigger buffer than the message.
    const into = new Float64Array(n + 16);
    const st = comm.recvInto(into, 1, mib);
    if (st.bytes !== n * 8) throw new Error(`recvInto status.bytes ${st.bytes}`);
    check(new Uint8Array(into.buffer, 0, n * 8), mib + 2, `recvInto ${mib} MiB`);
  } else {
    const got = comm.recv<Float64Array>(0, mib);
    if (!(got instanceof Float64Array) || got.length !== n) throw new Error(`${mib} MiB: wrong type/length`);
    check(new Uint8Array(got.buffer), mib, `${mib} MiB`);
    fillPattern(u8, mib + 1);
    comm.send(a, 0, mib);
    fillPattern(u8, mib + 2);
    comm.send(a, 0, mib);
  }
}
// 16 MiB both ways at once (both ranks send first): isend/irecv.
{
  const n = 16 * 1024 * 1024;
  const out = new Uint8Array(n);
  fillPattern(out, 100 + comm.rank);
  const s = comm.isend(out, peer, 5);
  const r = comm.irecv<Uint8Array>(peer, 5);
  const got = r.wait();
  s.wait();
  check(got, 100 + peer, "isend/irecv 16 MiB");
  // Same with blocking sendrecv.
  const got2 = comm.sendrecv<Uint8Array>(out, peer, 6, peer, 6);
  check(got2, 100 + peer, "sendrecv 16 MiB");
  // And into a caller's buffer with irecvInto.
  const into = new Uint8Array(n);
  const r3 = comm.irecvInto(into, peer, 7);
  const s3 = comm.isend(out, peer, 7);
  r3.wait();
  s3.wait();
  check(into, 100 + peer, "irecvInto 16 MiB");
}
