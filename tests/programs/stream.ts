// 10,000 messages of random sizes (0 B .. 1 MiB, log-uniform) over 4 tags
// from rank 0 to rank 1; rank 1 checks order per tag and every byte.
// Rank 1 receives in a mix of specific-tag and ANY_TAG receives.
import { ANY_TAG, Status, world } from "../../mod.ts";
import { checkPattern, fillPattern, rng } from "../_util.ts";

const comm = world();
const N = Number(Deno.args[0] ?? 10000);
const TAGS = 4;
const rand = rng(42);
const sizes: number[] = [];
const tags: number[] = [];
for (let i = 0; i < N; i++) {
  const r = rand();
  sizes.push(r < 0.05 ? 0 : Math.floor(Math.exp(rand() * Math.log(1024 * 1024 + 1))) - 1);
  tags.push(Math.floor(rand() * TAGS));
}
if (comm.rank === 0) {
  for (let i = 0; i < N; i++) {
    const u8 = new Uint8Array(sizes[i] + 4);
    fillPattern(u8.subarray(4), i);
    new DataView(u8.buffer).setUint32(0, i, true); // message id in front
    comm.send(u8, 1, tags[i]);
  }
} else if (comm.rank === 1) {
  // Expected ids per tag, in send order.
  const perTag: number[][] = Array.from({ length: TAGS }, () => []);
  for (let i = 0; i < N; i++) perTag[tags[i]].push(i);
  const next = new Array(TAGS).fill(0);
  const st = new Status();
  const pick = rng(7);
  for (let got = 0; got < N; got++) {
    // Half the time ask for a specific tag that still has messages, else ANY_TAG.
    let want = ANY_TAG;
    if (pick() < 0.5) {
      const open = [...Array(TAGS).keys()].filter((t) => next[t] < perTag[t].length);
      want = open[Math.floor(pick() * open.length)];
    }
    const u8 = comm.recv<Uint8Array>(0, want, st);
    if (!(u8 instanceof Uint8Array)) throw new Error(`message ${got}: not a Uint8Array`);
    const id = new DataView(u8.buffer, u8.byteOffset).getUint32(0, true);
    const tag = st.tag;
    if (want !== ANY_TAG && tag !== want) throw new Error(`asked tag ${want}, got ${tag}`);
    const expect = perTag[tag][next[tag]++];
    if (id !== expect) throw new Error(`tag ${tag}: expected message ${expect}, got ${id} (overtaking)`);
    if (st.source !== 0) throw new Error(`status.source ${st.source}`);
    if (u8.length !== sizes[id] + 4 || st.bytes !== u8.length) {
      throw new Error(`message ${id}: length ${u8.length}, status ${st.bytes}, expected ${sizes[id] + 4}`);
    }
    const bad = checkPattern(u8.subarray(4), id);
    if (bad >= 0) throw new Error(`message ${id}: byte ${bad} corrupted`);
  }
  if (comm.iprobe() !== null) throw new Error("extra message left over");
}
