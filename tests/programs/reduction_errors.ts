// Reductions and vector collectives whose inputs disagree between ranks
// (lengths, element types, counts, value types, ops, an input only some
// ranks get wrong) fail on every rank with one and the same SpmdError that
// names the call, the ranks and what each passed; nobody is left waiting,
// no rank returns a partial result, and the communicator works afterwards.
// `reduce` is the exception by design: ranks that only send return null,
// the root (and every rank that combined the bad inputs) throws.
import { BAND, createOp, MAXLOC, type Op, SpmdError, SUM, world } from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
const last = size - 1;
const others = (r: number) => (size === 2 ? `rank ${1 - r}` : `ranks ${r === 0 ? `1-${last}` : `0-${last - 1}`}`);

function fail(what: string): never {
  throw new Error(`${what} (size ${size}, rank ${rank})`);
}
/** Runs `fn`, which must throw an SpmdError matching `re` on this rank; returns its message. */
function thrown(fn: () => unknown, re: RegExp | string, what: string): string {
  let err: unknown = null;
  let got: unknown;
  try {
    got = fn();
  } catch (e) {
    err = e;
  }
  if (err === null) fail(`${what}: returned ${Deno.inspect(got).slice(0, 200)} instead of throwing`);
  if (!(err instanceof SpmdError)) fail(`${what}: threw ${err} instead of an SpmdError`);
  const ok = typeof re === "string" ? err.message === re : re.test(err.message);
  if (!ok) fail(`${what}: message ${JSON.stringify(err.message)} does not match ${re}`);
  return err.message;
}
/** `fn` throws on every rank, with the same message everywhere; then the communicator still works. */
function everywhere(fn: () => unknown, re: RegExp | string, what: string): void {
  const msg = thrown(fn, re, what);
  const all = comm.allgather(msg);
  if (all.some((m) => m !== msg)) fail(`${what}: ranks disagree on the error: ${JSON.stringify(all)}`);
  if (comm.allreduce(1) !== size) fail(`${what}: allreduce afterwards`);
  comm.barrier();
  if (comm.allreduce(new Float64Array([rank]))[0] !== (size * last) / 2) fail(`${what}: typed allreduce afterwards`);
}

// ---- inputs that are wrong on some ranks only ----------------------------------
// Checked before any communication on the rank that got it wrong; the
// others learn of it through the collective and throw the same error.
const f64 = new Float64Array(2);
const i32 = new Int32Array(2);
everywhere(
  () => comm.allreduce(rank === 0 ? f64 : i32, BAND),
  /^allreduce: BAND does not apply to Float64Array, got Float64Array\(byteLength 16\)( \(rank 0\))?$/,
  "BAND on a Float64Array on rank 0 only",
);
everywhere(
  () => comm.allreduce(rank === last ? { v: 1 } : [rank, rank], MAXLOC),
  /^allreduce: MAXLOC takes a \[value, index\] pair/,
  "MAXLOC with an object on the last rank",
);
everywhere(
  () => comm.scan(rank === last ? true : 1, SUM),
  /^scan: SUM does not apply to booleans/,
  "scan of a boolean on the last rank",
);
everywhere(
  () => comm.reduceScatter(new Float64Array(rank === 0 ? size + 1 : size), new Array(size).fill(1)),
  new RegExp(`^reduceScatter: array has ${size + 1} elements but counts add up to ${size}`),
  "reduceScatter with a wrong length on rank 0",
);

if (size > 1) {
  // ---- typed arrays of unequal length or type ------------------------------------
  const lenMsg = (call: string, bigger: string, smaller: string) =>
    `${call}: rank ${last} passed ${bigger} but ${others(last)} passed ${smaller}`;
  for (const call of ["allreduce", "scan", "exscan"] as const) {
    const run = (v: unknown, op: Op = SUM) => comm[call](v, op);
    everywhere(
      () => run(new Float64Array(rank === last ? 3 : 2)),
      lenMsg(call, "Float64Array(3)", "Float64Array(2)"),
      `${call} of Float64Arrays of unequal length`,
    );
    everywhere(
      () => run(rank === last ? new Int32Array(2) : new Float32Array(2)),
      lenMsg(call, "Int32Array(2)", "Float32Array(2)"),
      `${call} of Int32Array and Float32Array of the same byte length`,
    );
    everywhere(
      () => run(rank === last ? 1n : 1),
      lenMsg(call, "a bigint", "a number"),
      `${call} of a bigint and numbers`,
    );
    everywhere(
      () => run(rank === last ? [1, 2, 3] : [1, 2]),
      lenMsg(call, "Array(3)", "Array(2)"),
      `${call} of arrays of unequal length`,
    );
    everywhere(
      () => run(rank === last ? [1, 2] : new Float64Array(2)),
      lenMsg(call, "Array(2)", "Float64Array(2)"),
      `${call} of a typed array and an array`,
    );
    everywhere(
      () => run(rank === last ? [[rank], "x"] : [[rank], rank], MAXLOC),
      new RegExp(`^${call}: MAXLOC `),
      `${call} MAXLOC with a string index on one rank`,
    );
  }
  // Large arrays (the ring), large against small, large against large.
  everywhere(
    () => comm.allreduce(new Float64Array(rank === last ? 2 : 20_000)),
    lenMsg("allreduce", "Float64Array(2)", "Float64Array(20000)"),
    "allreduce of a small and large arrays",
  );
  everywhere(
    () => comm.allreduce(new Float64Array(rank === last ? 20_001 : 20_000)),
    lenMsg("allreduce", "Float64Array(20001)", "Float64Array(20000)"),
    "allreduce of large arrays of unequal length",
  );
  // A user op on some ranks and SUM on another: detected when the paths differ
  // (a typed array with a built-in op travels as typed data); two different
  // ops that take the same path are not told apart.
  const add = createOp((a: Float64Array, b: Float64Array) => a.map((x, i) => x + b[i]), { name: "add" });
  everywhere(
    () => comm.allreduce(new Float64Array(2), rank === last ? SUM : add),
    `allreduce: rank ${last} passed op SUM but ${others(last)} passed op add`,
    "allreduce with a user op on some ranks and SUM on another",
  );
  everywhere(
    () => comm.allreduce(rank === last ? ["a", 1] : [1, 1], MAXLOC),
    /^allreduce: MAXLOC cannot compare /,
    "MAXLOC of a string and numbers",
  );

  // ---- counts that differ between ranks --------------------------------------------
  const counts = new Array(size).fill(2);
  const skewed = counts.slice();
  skewed[0] = 3;
  skewed[1] = 1; // same total, different blocks
  const mine = rank === last ? skewed : counts;
  const countsMsg = (call: string) =>
    `${call}: rank ${last} passed counts[0] = 3 but ${others(last)} passed counts[0] = 2`;
  everywhere(
    () => comm.reduceScatter(new Float64Array(2 * size).fill(1), mine),
    countsMsg("reduceScatter"),
    "reduceScatter with counts that differ",
  );
  everywhere(
    () =>
      comm.reduceScatter(
        new Float64Array(20_000 * size).fill(1),
        rank === last ? skewed.map((n) => n * 10_000) : counts.map((n) => n * 10_000),
      ),
    /^reduceScatter: rank \d+ passed counts\[0\] = 30000 but ranks? [\d-]+ passed counts\[0\] = 20000$/,
    "reduceScatter (large) with counts that differ",
  );
  everywhere(
    () =>
      comm.reduceScatter(
        new Float64Array(rank === last ? 2 * size + 1 : 2 * size),
        rank === last ? [...counts.slice(1), 3] : counts,
      ),
    /^reduceScatter: rank \d+ passed /,
    "reduceScatter with arrays of unequal length",
  );
  for (let root = 0; root < size; root++) {
    const w = rank === root ? new Float64Array(2 * size).map((_, i) => i) : null;
    everywhere(
      () => comm.scatterv(w, mine, root),
      countsMsg("scatterv"),
      `scatterv root ${root} with counts that differ`,
    );
    const block = new Float64Array(mine[rank]);
    everywhere(
      () => comm.gatherv(block, mine, root),
      countsMsg("gatherv"),
      `gatherv root ${root} with counts that differ`,
    );
  }
  everywhere(() => comm.allgatherv(new Float64Array(mine[rank]), mine), countsMsg("allgatherv"), "allgatherv");

  // ---- reduce: the root (and every rank that combined) throws; senders return null ----
  for (let root = 0; root < size; root++) {
    const cases: [string, unknown, Op, RegExp][] = [
      [
        "unequal lengths",
        new Float64Array(rank === last ? 3 : 2),
        SUM,
        /^reduce: ranks? [\d, -]+ passed Float64Array\(\d\) but ranks? [\d, -]+ passed Float64Array\(\d\)$/,
      ],
      [
        "same byte length, other type",
        rank === last ? new Int32Array(2) : new Float32Array(2),
        SUM,
        /^reduce: ranks? [\d, -]+ passed (Int32|Float32)Array\(2\) but ranks? [\d, -]+ passed (Int32|Float32)Array\(2\)$/,
      ],
      [
        "bigint and number",
        rank === last ? 1n : 1,
        SUM,
        /^reduce: ranks? [\d, -]+ passed a (bigint|number) but ranks? [\d, -]+ passed a (bigint|number)$/,
      ],
      [
        "BAND on a Float64Array on one rank",
        rank === last ? f64 : i32,
        BAND,
        /^reduce: BAND does not apply to Float64Array/,
      ],
    ];
    for (const [name, value, op, re] of cases) {
      const what = `reduce root ${root}: ${name}`;
      let got: unknown;
      let err: unknown = null;
      try {
        got = comm.reduce(value, op, root);
      } catch (e) {
        err = e;
      }
      if (rank === root) {
        if (err === null) fail(`${what}: the root returned ${Deno.inspect(got)}`);
        thrown(
          () => {
            throw err;
          },
          re,
          what,
        );
      } else if (err !== null) {
        thrown(
          () => {
            throw err;
          },
          re,
          `${what} (a rank that combined)`,
        );
      } else if (got !== null) fail(`${what}: a non-root returned ${Deno.inspect(got)}`);
      if (comm.allreduce(1) !== size) fail(`${what}: allreduce afterwards`);
      comm.barrier();
    }
  }
}
// An op whose result cannot be sent (a function): a rank that must send it on fails instead of leaving the ranks that
// wait for it waiting (every rank of an allreduce or scan learns of it, as of an op that threw); a rank that only
// keeps it may return it. The communicator then works.
{
  const fnOp = createOp(() => () => 1, { name: "fnOp" }) as never; // its result type is no value type on purpose
  for (const call of ["allreduce", "scan", "exscan", "reduce"] as const) {
    try {
      if (call === "reduce") comm.reduce(1, fnOp, 0);
      else comm[call](1, fnOp);
    } catch (e) {
      if (!(e instanceof SpmdError) || !e.message.startsWith(`${call}: cannot send a function`)) {
        fail(`${call} with an op whose result is a function: threw ${e}`);
      }
    }
    if (comm.allreduce(1) !== size) fail(`${call} with an op whose result is a function: allreduce afterwards`);
    comm.barrier();
  }
}
if (comm.allreduce(2) !== 2 * size) fail("allreduce at the end");
