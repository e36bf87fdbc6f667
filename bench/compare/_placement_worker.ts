// One of the two threads of the placement probe (_placement.ts): ping-pongs a flag word with the other.

/** The worker's global scope (this file is type-checked with the main thread's types). */
const scope = self as unknown as {
  onmessage: ((e: MessageEvent<{ sab: SharedArrayBuffer; me: number; rounds: number }>) => void) | null;
  postMessage(m: unknown): void;
};

scope.onmessage = (e) => {
  const { sab, me, rounds } = e.data;
  const w = new Int32Array(sab);
  const mine = me * 32; // each flag in a line of its own
  const other = (1 - me) * 32;
  const times: number[] = [];
  for (let slice = 0; slice < 3; slice++) {
    const t0 = performance.now();
    for (let i = 1; i <= rounds; i++) {
      const v = slice * rounds + i;
      if (me === 0) {
        Atomics.store(w, other, v);
        while (Atomics.load(w, mine) !== v);
      } else {
        while (Atomics.load(w, mine) !== v);
        Atomics.store(w, other, v);
      }
    }
    times.push((performance.now() - t0) / rounds / 2);
  }
  scope.postMessage(times);
};
