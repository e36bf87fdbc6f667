// The buffer collectives refuse bad arguments with an SpmdError that names
// the call and the bad value, and arrays that disagree between ranks
// (length, element type, a recv too small on one rank) with a clear
// SpmdError: the same one on every rank for the calls without a root
// (allreduceInto, allgatherInto, alltoallInto, scanInto, exscanInto); for
// the rooted calls on the ranks that can tell (the root of reduceInto and
// gatherInto; the receiving rank, and the ranks below it, for bcastInto and
// scatterInto), and on the rank whose own arguments are wrong. The
// communicator works afterwards every time.
import { BAND, createOp, IN_PLACE, MAXLOC, type NumericArray, SpmdError, SUM, world } from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
const last = size - 1;
const others = (r: number) => (size === 2 ? `rank ${1 - r}` : `ranks ${r === 0 ? `1-${last}` : `0-${last - 1}`}`);

function fail(what: string): never {
  throw new Error(`${what} (size ${size}, rank ${rank})`);
}
/** Runs `fn`: returns the message of the SpmdError it threw, or null if it returned. */
function attempt(fn: () => unknown, what: string): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (!(e instanceof SpmdError)) fail(`${what}: threw ${e} instead of an SpmdError`);
    return e.message;
  }
}
function matches(msg: string | null, re: RegExp | string, what: string): void {
  if (msg === null) fail(`${what}: returned instead of throwing`);
  if (typeof re === "string" ? msg !== re : !re.test(msg)) {
    fail(`${what}: message ${JSON.stringify(msg)} does not match ${re}`);
  }
}
/** The communicator still works: value and buffer collectives, point-to-point. */
function usable(what: string): void {
  if (comm.allreduce(1) !== size) fail(`${what}: allreduce afterwards`);
  comm.barrier();
  const out = new Float64Array(2);
  comm.allreduceInto(new Float64Array([rank, 1]), out);
  if (out[0] !== (size * last) / 2 || out[1] !== size) fail(`${what}: allreduceInto afterwards gave ${out}`);
  const g = new Int32Array(size);
  comm.allgatherInto(new Int32Array([rank]), g);
  if (g.some((v, i) => v !== i)) fail(`${what}: allgatherInto afterwards gave ${g}`);
  const b = new Float64Array([rank === 0 ? 7 : 0]);
  comm.bcastInto(b, 0);
  if (b[0] !== 7) fail(`${what}: bcastInto afterwards`);
  if (size > 1) {
    const got = comm.sendrecv(rank, (rank + 1) % size, 5, (rank - 1 + size) % size, 5);
    if (got !== (rank - 1 + size) % size) fail(`${what}: sendrecv afterwards`);
  }
}
/** `fn` throws on every rank, the same message everywhere, matching `re`; then the communicator works. */
function everywhere(fn: () => unknown, re: RegExp | string, what: string): void {
  const msg = attempt(fn, what);
  matches(msg, re, what);
  const all = comm.allgather(msg);
  if (all.some((m) => m !== msg)) fail(`${what}: ranks disagree on the error: ${JSON.stringify(all)}`);
  usable(what);
}
/**
 * A rooted call: `fn` must throw (matching `re`) on every rank in `must`
 * (the root included), may throw on others, and every rank that throws has
 * a message matching `re`; then the communicator works.
 */
function rooted(fn: () => unknown, re: RegExp | string, must: readonly number[], what: string): void {
  const msg = attempt(fn, what);
  if (msg !== null || must.includes(rank)) matches(msg, re, what);
  usable(what);
}

const f64 = (n: number) => new Float64Array(n);

// ---- arguments one rank can tell are wrong: every rank passes them ----------------------------

const root = last; // rooted calls below are rooted here, not at 0
const detached = f64(2);
structuredClone(detached.buffer, { transfer: [detached.buffer] });
const arr = f64(4);
const badSends: [unknown, RegExp | string][] = [
  [5, "send must be a typed array or IN_PLACE (not a DataView), got 5"],
  [new DataView(new ArrayBuffer(8)), /send must be a typed array or IN_PLACE \(not a DataView\), got DataView/],
  [[1, 2], "send must be a typed array or IN_PLACE (not a DataView), got [ 1, 2 ]"],
  [detached, /the Float64Array's ArrayBuffer is detached/],
];
for (const [send, why] of badSends) {
  const re = typeof why === "string" ? `allreduceInto: ${why}` : new RegExp(`^allreduceInto: ${why.source}`);
  everywhere(() => comm.allreduceInto(send as NumericArray, f64(2)), re, `allreduceInto of ${Deno.inspect(send)}`);
}
const calls: [string, () => void, string][] = [
  [
    "allreduceInto",
    () => comm.allreduceInto(f64(2), f64(3)),
    "recv must have as many elements as send (2), got Float64Array(3)",
  ],
  [
    "allreduceInto",
    () => comm.allreduceInto(new Int32Array(2), f64(2)),
    "send and recv must have one element type, got Int32Array(2) and Float64Array(2)",
  ],
  [
    "allreduceInto",
    () => comm.allreduceInto(arr.subarray(0, 2), arr.subarray(1, 3)),
    "send and recv overlap (pass IN_PLACE as send to work in place)",
  ],
  [
    "allreduceInto",
    () => comm.allreduceInto(IN_PLACE, null as unknown as NumericArray),
    "recv must be a typed array (not a DataView), got null",
  ],
  [
    "allreduceInto",
    () => comm.allreduceInto(f64(2), f64(2), BAND),
    "BAND does not apply to Float64Array, got Float64Array(byteLength 16)",
  ],
  [
    "allreduceInto",
    () => comm.allreduceInto(f64(2), f64(2), MAXLOC),
    "MAXLOC does not apply to typed arrays in the buffer calls (use the value calls with [value, index] pairs)",
  ],
  [
    "scanInto",
    () => comm.scanInto(f64(2), new Float32Array(2)),
    "send and recv must have one element type, got Float64Array(2) and Float32Array(2)",
  ],
  [
    "exscanInto",
    () => comm.exscanInto(f64(3), f64(2)),
    "recv must have as many elements as send (3), got Float64Array(2)",
  ],
  [
    "allgatherInto",
    () => comm.allgatherInto(f64(2), f64(2 * size + 1)),
    `recv must have size × send.length = ${size} × 2 = ${2 * size} elements, got Float64Array(${2 * size + 1})`,
  ],
  [
    "alltoallInto",
    () => comm.alltoallInto(IN_PLACE, f64(2 * size + 1)),
    `recv must have size × n elements (size ${size}), got Float64Array(${2 * size + 1})`,
  ],
  [
    "alltoallInto",
    () => comm.alltoallInto(f64(2 * size), f64(3 * size)),
    `recv must have as many elements as send (${2 * size}), got Float64Array(${3 * size})`,
  ],
];
for (const [call, fn, why] of calls) {
  if (size === 1 && why.includes("size × n")) continue; // every length divides into one block
  everywhere(fn, `${call}: ${why}`, `${call}: ${why}`);
}
// Rooted: each rank whose own arguments are wrong throws, naming itself (as the others that learn of it do).
for (
  const [fn, why] of [
    [
      () => comm.bcastInto(IN_PLACE as unknown as NumericArray, root),
      "buf cannot be IN_PLACE in this call, got IN_PLACE",
    ],
    [
      () => comm.bcastInto(new DataView(new ArrayBuffer(8)) as unknown as NumericArray, root),
      "buf must be a typed array (not a DataView), got DataView(byteLength 8)",
    ],
  ] as [() => void, string][]
) {
  // On the shared slots every rank sees every rank's arguments (one message for all); else each names itself.
  const re = new RegExp(`^bcastInto: ${why.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}( \\(rank ${rank}\\))?$`);
  rooted(fn, re, [rank], `bcastInto: ${why}`);
}
// Rooted: the root finds its own arguments wrong, and the ranks it sends to learn of it.
if (size > 1) {
  everywhere(
    () => comm.scatterInto(f64(2 * size + 1), f64(2), root),
    new RegExp(
      `^scatterInto: send must have size × n elements \\(size ${size}; n = recv.length\\), got Float64Array\\(${
        2 * size + 1
      }\\)( \\(rank ${root}\\))?$`,
    ),
    "scatterInto: the root's send does not divide into blocks",
  );
}
everywhere(
  () => comm.scatterInto(f64(2 * size), new Int32Array(2), root),
  /^scatterInto: send and recv must have one element type, got Float64Array\(\d+\) and Int32Array\(2\)( \(rank \d+\))?$/,
  "scatterInto: the root's send and recv of two types",
);
everywhere(
  () => comm.bcastInto(rank === root ? 5 as unknown as NumericArray : f64(2), root),
  new RegExp(`^bcastInto: buf must be a typed array \\(not a DataView\\), got 5( \\(rank ${root}\\))?$`),
  "bcastInto of a number on the root",
);
// Rooted: the root learns of what is wrong on the ranks that send to it.
if (size > 1) {
  const notRoot = (root + 1) % size;
  rooted(
    () => comm.reduceInto(rank === root ? f64(2) : IN_PLACE, rank === root ? f64(2) : null, SUM, root),
    new RegExp(`^reduceInto: send may be IN_PLACE on the root \\(rank ${root}\\) only( \\(ranks? [\\d, -]+\\))?$`),
    [root, notRoot],
    "reduceInto with IN_PLACE on the other ranks",
  );
  rooted(
    () => comm.gatherInto(rank === root ? f64(2) : IN_PLACE, rank === root ? f64(2 * size) : null, root),
    new RegExp(`^gatherInto: send may be IN_PLACE on the root \\(rank ${root}\\) only( \\(ranks? [\\d, -]+\\))?$`),
    [root, notRoot],
    "gatherInto with IN_PLACE on the other ranks",
  );
  rooted(
    () => comm.scatterInto(rank === root ? f64(2 * size) : null, rank === root ? f64(2) : IN_PLACE, root),
    new RegExp(`^scatterInto: recv may be IN_PLACE on the root \\(rank ${root}\\) only( \\(ranks? [\\d, -]+\\))?$`),
    [notRoot],
    "scatterInto with IN_PLACE on the other ranks",
  );
}
// Checked at once, on every rank: a root or op the ranks could not even agree on a pattern with.
for (
  const [call, fn, why] of [
    [
      "reduceInto",
      () => comm.reduceInto(f64(1), f64(1), SUM, -1),
      `root must be an integer rank in 0..${last}, got -1`,
    ],
    [
      "gatherInto",
      () => comm.gatherInto(f64(1), f64(size), 0.5),
      `root must be an integer rank in 0..${last}, got 0.5`,
    ],
    [
      "scatterInto",
      () => comm.scatterInto(f64(size), f64(1), "0" as unknown as number),
      `root must be an integer rank in 0..${last}, got "0"`,
    ],
    [
      "allreduceInto",
      () => comm.allreduceInto(f64(1), f64(1), "SUM" as never),
      `op must be SUM, MAX, ... or a function (a, b) => c, got "SUM"`,
    ],
  ] as [string, () => void, string][]
) {
  matches(attempt(fn, call), `${call}: ${why}`, `${call}: ${why}`);
  usable(`${call}: ${why}`);
}

if (size > 1) {
  // ---- arrays that disagree between ranks: the calls without a root ------------------------------

  const lenMsg = (call: string, mine: string, theirs: string) =>
    `${call}: rank ${last} passed ${mine} but ${others(last)} passed ${theirs}`;
  for (const call of ["allreduceInto", "scanInto", "exscanInto"] as const) {
    for (const inPlace of [false, true]) {
      const run = (a: NumericArray) => {
        const out = new (a.constructor as new (n: number) => NumericArray)(a.length);
        if (inPlace) (out as Float64Array).set(a as Float64Array);
        comm[call](inPlace ? IN_PLACE : a, out);
      };
      const tag = `${call}${inPlace ? " IN_PLACE" : ""}`;
      everywhere(
        () => run(f64(rank === last ? 3 : 2)),
        lenMsg(call, "Float64Array(3)", "Float64Array(2)"),
        `${tag} lengths`,
      );
      everywhere(
        () => run(rank === last ? new Int32Array(2) : new Float32Array(2)),
        lenMsg(call, "Int32Array(2)", "Float32Array(2)"),
        `${tag} types of one byte length`,
      );
      everywhere(
        () => run(rank === 0 ? new BigInt64Array(1) : f64(1)),
        `${call}: ${others(0)} passed Float64Array(1) but rank 0 passed BigInt64Array(1)`,
        `${tag} bigints and floats`,
      );
    }
    // A recv too small on one rank only: it tells the others.
    everywhere(
      () => comm[call](f64(2), f64(rank === 0 ? 1 : 2)),
      `${call}: recv must have as many elements as send (2), got Float64Array(1) (rank 0)`,
      `${call} with a recv too small on rank 0`,
    );
  }
  // Large arrays: the ring (after a header round), and a large array against a small one.
  everywhere(
    () => comm.allreduceInto(f64(rank === last ? 20_001 : 20_000), f64(rank === last ? 20_001 : 20_000)),
    lenMsg("allreduceInto", "Float64Array(20001)", "Float64Array(20000)"),
    "allreduceInto of large arrays of unequal length",
  );
  everywhere(
    () => comm.allreduceInto(f64(rank === last ? 2 : 20_000), f64(rank === last ? 2 : 20_000)),
    lenMsg("allreduceInto", "Float64Array(2)", "Float64Array(20000)"),
    "allreduceInto of a small array against large ones",
  );
  everywhere(
    () => comm.allreduceInto(f64(2), f64(2), rank === last ? BAND : SUM),
    `allreduceInto: BAND does not apply to Float64Array, got Float64Array(byteLength 16) (rank ${last})`,
    "allreduceInto with BAND on one rank",
  );
  // A user op that throws: the ranks that combine the bad value find it, and every rank throws.
  const picky = createOp((a: Float64Array, b: Float64Array) => {
    if (a[0] === 13 || b[0] === 13) throw new Error("13 is unlucky");
    return a.map((x, i) => x + b[i]);
  }, { name: "picky" });
  everywhere(
    () => comm.allreduceInto(f64(2).fill(rank === last ? 13 : 1), f64(2), picky),
    /^allreduceInto: op picky threw Error: 13 is unlucky( \(found by ranks? [\d, -]+\))?$/,
    "allreduceInto with a user op that throws",
  );
  // In a scan, the op runs only where a result needs it: on the ranks whose result takes rank 0's value in (the
  // last one at least), and every rank when it throws while combining partial results that partners share.
  rooted(
    () => comm.scanInto(f64(2).fill(rank === 0 ? 13 : 1), f64(2), picky),
    /^scanInto: op picky threw Error: 13 is unlucky( \(found by ranks? [\d, -]+\))?$/,
    [last],
    "scanInto with a user op that throws on rank 0's value",
  );
  everywhere(
    () => comm.allgatherInto(f64(rank === last ? 3 : 2), f64(rank === last ? 3 * size : 2 * size)),
    lenMsg("allgatherInto", "Float64Array(3)", "Float64Array(2)"),
    "allgatherInto lengths",
  );
  everywhere(
    () => comm.allgatherInto(IN_PLACE, rank === last ? new Int32Array(2 * size) : new Float32Array(2 * size)),
    lenMsg("allgatherInto", "Int32Array(2)", "Float32Array(2)"),
    "allgatherInto IN_PLACE types",
  );
  everywhere(
    () => comm.allgatherInto(f64(2), f64(rank === 0 ? 2 * size - 1 : 2 * size)),
    `allgatherInto: recv must have size × send.length = ${size} × 2 = ${2 * size} elements, got Float64Array(${
      2 * size - 1
    }) (rank 0)`,
    "allgatherInto with a recv too small on rank 0",
  );
  everywhere(
    () => comm.alltoallInto(f64(rank === last ? 3 * size : 2 * size), f64(rank === last ? 3 * size : 2 * size)),
    lenMsg("alltoallInto", `Float64Array(${3 * size})`, `Float64Array(${2 * size})`),
    "alltoallInto lengths",
  );
  everywhere(
    () => comm.alltoallInto(IN_PLACE, rank === 0 ? new Uint8Array(size) : new Int8Array(size)),
    `alltoallInto: ${others(0)} passed Int8Array(${size}) but rank 0 passed Uint8Array(${size})`,
    "alltoallInto IN_PLACE types",
  );

  // ---- arrays that disagree: the rooted calls ------------------------------------------------------

  for (let r = 0; r < size; r++) {
    const odd = r === last ? 0 : last; // the rank whose arrays differ
    const n = rank === odd ? 3 : 2;
    rooted(
      () => comm.reduceInto(f64(n), rank === r ? f64(n) : null, SUM, r),
      /^reduceInto: ranks? [\d, -]+ passed Float64Array\([23]\) but ranks? [\d, -]+ passed Float64Array\([23]\)$/,
      [r],
      `reduceInto root ${r}, rank ${odd} longer`,
    );
    rooted(
      () => comm.gatherInto(rank === odd ? new Int32Array(2) : f64(2), rank === r ? f64(2 * size) : null, r),
      new RegExp(
        `^gatherInto: ranks? [\\d, -]+ passed (Int32|Float64)Array\\(2\\) but (the root \\(rank ${r}\\) receives|ranks? [\\d, -]+ passed) (Int32|Float64)Array\\(2\\)$`,
      ),
      [r],
      `gatherInto root ${r}, rank ${odd} of another type`,
    );
    rooted(
      () => comm.bcastInto(f64(n), r),
      new RegExp(
        // (blocks of it when scatter + allgather is pinned: then a rank of the ring may find it first)
        // (on the shared slots every rank compares every rank's buffer: "rank 1 passed X but rank 0 passed Y")
        `^bcastInto: (?:ranks? [\\d, -]+ passed Float64Array\\(\\d\\) but ranks? [\\d, -]+ passed Float64Array\\(\\d\\)|(the root \\(rank ${r}\\) sent (Float64Array\\(2\\)|a block of \\d+ bytes of its buffer) but rank ${odd} passed Float64Array\\(3\\)|rank \\d+ sent a block of \\d+ bytes where rank \\d+ expected \\d+): the ranks' buffers differ in length or type)$`,
      ),
      [odd],
      `bcastInto root ${r}, rank ${odd} longer`,
    );
    rooted(
      () => comm.scatterInto(rank === r ? f64(2 * size) : null, f64(rank === r ? 2 : n), r),
      // (on the shared slots every rank compares every rank's block: "rank 2 passed ... but ranks 0-1 passed ...")
      new RegExp(
        `^scatterInto: (the root \\(rank ${r}\\) sent Float64Array\\(2\\) but rank ${odd} passed Float64Array\\(3\\)|` +
          `ranks? [\\d, -]+ passed Float64Array\\([23]\\) but ranks? [\\d, -]+ passed Float64Array\\([23]\\))$`,
      ),
      [odd],
      `scatterInto root ${r}, rank ${odd} longer`,
    );
  }
  // A large broadcast (scatter + allgather) where one rank's buffer is shorter.
  rooted(
    () => comm.bcastInto(f64(rank === last ? 19_999 : 20_000), 0),
    /^bcastInto: (?:ranks? [\d, -]+ passed Float64Array\(\d+\) but ranks? [\d, -]+ passed Float64Array\(\d+\)|(the root \(rank 0\) sent .* but rank \d+ passed Float64Array\(\d+\)|rank \d+ sent a block of \d+ bytes where rank \d+ expected \d+): the ranks' buffers differ in length or type)$/,
    [last],
    "bcastInto (large) with a shorter buffer on the last rank",
  );
}
comm.barrier();
