// A user op that throws in a nonblocking reduction: the ranks that need its result fail too, with an error that
// names the call, instead of waiting for a result that never comes; the others complete; the communicator then
// works. (Blocking reductions: into_errors.ts, reduction_errors.ts.)
import { deepEqual, equal, ok } from "node:assert/strict";
import { createOp, SpmdError, world } from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
const last = size - 1;

/** Adds, but throws when either operand is (or starts with) 13. */
const picky = createOp((a: number | Float64Array, b: number | Float64Array) => {
  const x = typeof a === "number" ? a : a[0];
  const y = typeof b === "number" ? b : b[0];
  if (x === 13 || y === 13) throw new Error("13 is unlucky");
  return typeof a === "number" ? a + (b as number) : a.map((v, i) => v + (b as Float64Array)[i]);
}, { name: "picky" });

/** The error `f` throws (an SpmdError of `code` whose message starts with `call: `), or null. */
function failure(call: string, f: () => unknown, code = "MPI_ERR_OP"): SpmdError | null {
  try {
    f();
    return null;
  } catch (e) {
    ok(e instanceof SpmdError, `${call}: an SpmdError, got ${e}`);
    equal(e.code, code, `${call}: ${e.message}`);
    ok(e.message.startsWith(`${call}: `), `names ${call}: ${e.message}`);
    return e;
  }
}

/** Every rank's error message ("" where it completed), on every rank. */
function messages(e: SpmdError | null): string[] {
  return comm.allgather(e === null ? "" : e.message);
}

/** The communicator still works: nothing of the failed call is left to match later traffic. */
function stillWorks(): void {
  equal(comm.allreduce(1), size);
  deepEqual(comm.iallgather(rank).wait(), Array.from({ length: size }, (_, r) => r));
  comm.barrier();
}

const op13 = (on: number) => `op picky threw Error: 13 is unlucky (on rank ${on})`;

if (size > 1) {
  // iallreduce (reduce to rank 0, then bcast): rank 0's op throws; every rank fails with the same message.
  const all = messages(failure("iallreduce", () => comm.iallreduce(rank === last ? 13 : 1, picky).wait()));
  deepEqual(all, Array(size).fill(`iallreduce: ${op13(0)}`));
  stillWorks();

  // ireduce: the root fails, the others complete (with null).
  for (const root of [0, last]) {
    const e = failure("ireduce", () => equal(comm.ireduce(rank === 0 ? 13 : 2, picky, root).wait(), null));
    equal(e?.message ?? "", rank === root ? `ireduce: ${op13(root)}` : "");
  }
  stillWorks();

  // iscan / iexscan: rank k's op throws; ranks from k on fail alike, the earlier ones get their results.
  for (const k of [1, last]) {
    const got = messages(failure("iscan", () => equal(comm.iscan(rank === k ? 13 : 1, picky).wait(), rank + 1)));
    for (let r = 0; r < size; r++) equal(got[r], r < k ? "" : `iscan: ${op13(k)}`);
    stillWorks();
  }
  if (size > 2) {
    const k = 1; // in an exclusive scan rank r combines only for the ranks after it: the last rank never does
    const got = messages(failure("iexscan", () => {
      const v = comm.iexscan(rank === k ? 13 : 1, picky).wait();
      equal(v, rank === 0 ? null : rank);
    }));
    for (let r = 0; r < size; r++) equal(got[r], r < k ? "" : `iexscan: ${op13(k)}`);
    stillWorks();
  }

  // iallreduceInto (recursive doubling): the ranks whose op meets the 13 report it, every other rank fails too.
  for (const bad of [0, last]) {
    const recv = new Float64Array(2);
    const got = messages(failure("iallreduceInto", () => {
      comm.iallreduceInto(new Float64Array(2).fill(rank === bad ? 13 : 1), recv, picky).wait();
    }));
    ok(got.every((m) => m !== ""), `every rank fails: ${JSON.stringify(got)}`);
    ok(got.some((m) => m.startsWith(`iallreduceInto: op picky threw Error: 13 is unlucky (on rank `)), got.join("\n"));
    for (const m of got) {
      ok(
        /^iallreduceInto: (op picky threw .*|rank \d+ sent no data: a user op threw on a rank this one's result needs \(that rank's error names it\))$/
          .test(m),
        m,
      );
    }
    stillWorks();
  }

  // iscanInto / iexscanInto: the chain, as iscan.
  for (const call of ["iscanInto", "iexscanInto"] as const) {
    const k = 1;
    if (call === "iexscanInto" && k === last) continue;
    const recv = new Float64Array(1);
    const got = messages(failure(call, () => {
      const send = new Float64Array(1).fill(rank === k ? 13 : 1);
      (call === "iscanInto" ? comm.iscanInto(send, recv, picky) : comm.iexscanInto(send, recv, picky)).wait();
      if (call === "iscanInto") equal(recv[0], rank + 1);
      else if (rank > 0) equal(recv[0], rank);
    }));
    equal(got[k], `${call}: ${op13(k)}`);
    for (let r = 0; r < size; r++) {
      if (r < k) equal(got[r], "");
      else if (r > k) {
        equal(
          got[r],
          `${call}: rank ${
            r - 1
          } sent no data: a user op threw on a rank this one's result needs (that rank's error names it)`,
        );
      }
    }
    stillWorks();
  }

  // An op whose result cannot be sent (a function): rank 0 (iallreduce) or the rank that made it (iscan) fails with
  // the send's error, and the ranks waiting for it fail alike instead of waiting.
  const fnOp = createOp(() => () => 1, { name: "fnOp" }) as never; // its result type is no value type on purpose
  const sent = messages(failure("iallreduce", () => comm.iallreduce(1, fnOp).wait(), "MPI_ERR_TYPE"));
  ok(sent[0].startsWith("iallreduce: cannot send a function"), sent[0]);
  deepEqual(sent, Array(size).fill(sent[0]));
  stillWorks();
  const scanned = messages(failure("iscan", () => comm.iscan(1, fnOp).wait(), "MPI_ERR_TYPE"));
  equal(scanned[0], "");
  for (let r = 1; r < size; r++) equal(scanned[r], scanned[1]);
  stillWorks();

  // An op that throws an SpmdError of its own: named, its code kept, on every rank; rank 0 keeps the cause.
  const own = createOp((a: number, b: number) => {
    if (a === 13 || b === 13) throw new SpmdError("thirteen", "MPI_ERR_ARG");
    return a + b;
  }, { name: "own" });
  let cause: unknown = null;
  const named = messages(failure("iallreduce", () => {
    try {
      comm.iallreduce(rank === last ? 13 : 1, own).wait();
    } catch (e) {
      cause = (e as Error).cause;
      throw e;
    }
  }, "MPI_ERR_ARG"));
  deepEqual(named, Array(size).fill("iallreduce: thirteen (on rank 0)"));
  if (rank === 0) ok(cause instanceof SpmdError && cause.message === "thirteen", `cause on rank 0: ${cause}`);
  stillWorks();

  // A value rank 0 cannot take in (its own cannot be copied): every message sent to it is still received, so the
  // job ends cleanly (finalize reports messages never received).
  const bad = messages(failure("iallreduce", () => comm.iallreduce(rank === 0 ? () => 1 : 1).wait(), "MPI_ERR_TYPE"));
  deepEqual(bad, Array(size).fill(bad[0]));
  ok(bad[0].startsWith("iallreduce: "), bad[0]);
  stillWorks();
}
if (rank === 0) console.log(`nbc_op_throws: ${size} ranks ok`);
