// Every rank but 0 sends 50 messages to rank 0 with tags 0..4; rank 0
// receives them all with ANY_SOURCE/ANY_TAG and checks per-(source, tag)
// order and counts; then self-sends and PROC_NULL.
import { ANY_SOURCE, ANY_TAG, PROC_NULL, Status, world } from "../../mod.ts";

const comm = world();
const PER = 50;
if (comm.rank !== 0) {
  for (let i = 0; i < PER; i++) comm.send({ from: comm.rank, i, tag: i % 5 }, 0, i % 5);
} else {
  const last = new Map<string, number>();
  const st = new Status();
  for (let k = 0; k < PER * (comm.size - 1); k++) {
    const m = comm.recv<{ from: number; i: number; tag: number }>(ANY_SOURCE, ANY_TAG, st);
    if (m.from !== st.source || m.tag !== st.tag) {
      throw new Error(`status mismatch ${JSON.stringify(m)} vs ${st.source}/${st.tag}`);
    }
    const key = `${m.from}/${m.tag}`;
    if ((last.get(key) ?? -1) >= m.i) throw new Error(`overtaking on ${key}: ${m.i} after ${last.get(key)}`);
    last.set(key, m.i);
  }
  if (last.size !== (comm.size - 1) * 5) throw new Error(`saw ${last.size} (source, tag) pairs`);
  // ANY_SOURCE with a specific tag, and a specific source with ANY_TAG.
}
// Self-send: any value, specific and wildcard receives, many queued at once.
for (let i = 0; i < 100; i++) comm.send(i, comm.rank, i % 3);
for (let t = 0; t < 3; t++) {
  for (let i = t; i < 100; i += 3) {
    const v = comm.recv(comm.rank, t);
    if (v !== i) throw new Error(`self-send tag ${t}: expected ${i}, got ${v}`);
  }
}
comm.send(new Float64Array([1, 2, 3]), comm.rank, 9);
const self = comm.recv<Float64Array>(ANY_SOURCE, ANY_TAG);
if (!(self instanceof Float64Array) || self.join() !== "1,2,3") throw new Error("self typed array");
// PROC_NULL: send is a no-op, recv returns null at once.
comm.send("x", PROC_NULL);
const st = new Status();
if (comm.recv(PROC_NULL, ANY_TAG, st) !== null || st.source !== PROC_NULL) throw new Error("PROC_NULL recv");
// probe / iprobe
comm.send("probe me", comm.rank, 3);
const p = comm.probe(ANY_SOURCE, 3);
if (p.source !== comm.rank || p.tag !== 3 || p.bytes !== 8) throw new Error(`probe ${JSON.stringify(p)}`);
if (comm.iprobe(ANY_SOURCE, 4) !== null) throw new Error("iprobe found a message that is not there");
if (comm.recv(ANY_SOURCE, 3) !== "probe me") throw new Error("probe consumed the message");
