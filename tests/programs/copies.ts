// Messages of 0 B .. 300 KB from rank 0 to rank 1 through every copy path of the rings (in the cell, whole in the
// byte ring, streamed), sent from reused arrays, fresh arrays and views at odd offsets, and received by recvInto into
// reused arrays and views at odd offsets; rank 1 checks every byte and that nothing around a view was written. Prints
// what rank 1 checked and whether this rank could copy by memcpy (FFI allowed and not turned off).
import { world } from "../../mod.ts";
import { Memcpy } from "../../transport/_memcpy.ts";
import { checkPattern, fillPattern, rng } from "../_util.ts";

const comm = world();
const N = Number(Deno.args[0] ?? 3000);
const rand = rng(5);
const SIZES = [
  0,
  8,
  64,
  65,
  96,
  97,
  100,
  255,
  256,
  479,
  480,
  481,
  512,
  1000,
  1024,
  4095,
  4096,
  4097,
  20_000,
  65_536,
  300_000,
];
const sizes: number[] = [];
for (let i = 0; i < N; i++) {
  sizes.push(i % 2 === 0 ? SIZES[i % SIZES.length] : Math.floor(Math.exp(rand() * Math.log(300_001))) - 1);
}
const MAX = 300_000;
if (comm.rank === 0) {
  const reused = [new Uint8Array(MAX), new Uint8Array(MAX + 64)];
  for (let i = 0; i < N; i++) {
    const n = sizes[i];
    const how = i % 4;
    const u8 = how === 0
      ? new Uint8Array(n) // fresh
      : how === 1
      ? reused[0].subarray(0, n)
      : how === 2
      ? reused[1].subarray(3 + (i % 13), 3 + (i % 13) + n) // an odd offset into a reused array
      : new Uint8Array(new ArrayBuffer(n + 5), 5, n); // an odd offset into a fresh buffer
    fillPattern(u8, i);
    comm.send(u8, 1, i % 7);
  }
} else if (comm.rank === 1) {
  const whole = new Uint8Array(MAX);
  const padded = new Uint8Array(MAX + 64);
  let checked = 0;
  for (let i = 0; i < N; i++) {
    const n = sizes[i];
    const at = 1 + (i % 29);
    const into = i % 3 === 0 ? padded.subarray(at, at + n + (i % 5)) : whole;
    if (into !== whole) padded.fill(0xee);
    const st = comm.recvInto(into, 0, i % 7);
    if (st.count(Uint8Array) !== n) throw new Error(`message ${i}: ${st.count(Uint8Array)} bytes, sent ${n}`);
    const bad = checkPattern(into.subarray(0, n), i);
    if (bad >= 0) throw new Error(`message ${i} (${n} B): byte ${bad} differs`);
    if (into !== whole) {
      for (let k = 0; k < at; k++) {
        if (padded[k] !== 0xee) throw new Error(`message ${i}: byte ${k} before the view written`);
      }
      for (let k = at + n; k < padded.length; k++) {
        if (padded[k] !== 0xee) throw new Error(`message ${i}: byte ${k} after the payload written`);
      }
    }
    checked++;
  }
  const memcpy = Memcpy.load() !== null && Deno.env.get("SPMD_MEMCPY") !== "0";
  console.log(JSON.stringify({ checked, memcpy }));
}
