// OpenRecvs (transport/open_recvs.ts): the list of a backend's open receives, against a Set as the model.
import assert from "node:assert/strict";
import { OpenRecvs } from "../transport/open_recvs.ts";
import { RecvOp } from "../transport/matcher.ts";

Deno.test("OpenRecvs keeps a Set's membership and insertion order through random adds and deletes", () => {
  const ops = Array.from({ length: 16 }, (_, i) => new RecvOp(i, i, 0, null));
  const list = new OpenRecvs();
  const model = new Set<RecvOp>();
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let step = 0; step < 5000; step++) {
    const op = ops[rand(ops.length)];
    if (rand(2) === 0) {
      list.add(op);
      model.add(op);
    } else {
      assert.equal(list.delete(op), model.delete(op));
    }
    assert.equal(list.size, model.size);
    assert.deepEqual([...list], [...model]);
    for (const o of ops) assert.equal(list.has(o), model.has(o));
  }
});

Deno.test("OpenRecvs: removing the receive just returned while iterating goes on with the next", () => {
  const ops = Array.from({ length: 5 }, (_, i) => new RecvOp(i, 0, 0, null));
  const list = new OpenRecvs();
  for (const op of ops) list.add(op);
  const seen: number[] = [];
  for (const op of list) {
    seen.push(op.source);
    if (op.source % 2 === 0) list.delete(op);
  }
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  assert.deepEqual([...list].map((o) => o.source), [1, 3]);
});

Deno.test("OpenRecvs: a receive open in one list is not open in another", () => {
  const a = new OpenRecvs(), b = new OpenRecvs();
  const op = new RecvOp(0, 0, 0, null);
  a.add(op);
  assert.equal(b.has(op), false);
  assert.equal(b.delete(op), false);
  assert.equal(a.has(op), true);
  assert.equal(a.size, 1);
});
