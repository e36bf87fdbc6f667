// The nonblocking buffer collectives (iallreduceInto, ibcastInto, ...,
// mpi4py's `Iallreduce(sendbuf, recvbuf)`): argument checks (the blocking
// calls' own, from _buffer_api.ts, thrown at once on the rank that finds
// them) and the algorithms, as generators of point-to-point steps that a
// CollOp (_nbc.ts) drives. Received blocks land straight in the caller's
// `recv` where the algorithm lets them (gather, scatter, bcast, allgather,
// alltoall); reductions receive into one scratch array per call and combine
// in rank order (lower ranks' operands on the left), so every rank gets the
// same bits. Plain algorithms: binomial-tree bcast, recursive-doubling
// allreduce, linear reduce/gather/scatter (to and from the root), every
// rank to every rank for allgather and alltoall, a chain for the scans.

import { IN_PLACE } from "./constants.ts";
import { SpmdError } from "./errors.ts";
import { type Op, toOp } from "./ops.ts";
import type { PendingOp } from "./transport/transport.ts";
import { type NumericArray, typedKind } from "./transport/typed.ts";
import {
  alltoallMisfit,
  arrayBad,
  gatherMisfit,
  opFits,
  reductionMisfit,
  rootOnly,
  scatterMisfit,
} from "./_buffer_api.ts";
import { combineOrdered, copyInto } from "./collectives/_into.ts";
import { opFailure } from "./_nbc_reduce.ts";
import type { Bad } from "./collectives/_fault.ts";
import { checkRoot } from "./_validate.ts";
import { type CollOp, type NbcComm, type NbcName, startCollective, type Steps } from "./_nbc.ts";

type Send = NumericArray | typeof IN_PLACE;
type Gen = Generator<PendingOp[], unknown, void>;

/** Throws `bad` as an error of `call`. */
function check(call: string, bad: Bad | null): void {
  if (bad !== null) throw new SpmdError(`${call}: ${bad.message}`, bad.code);
}

/** A fresh array like `a` of `n` elements. */
function like(a: NumericArray, n: number): NumericArray {
  return new (a.constructor as new (n: number) => NumericArray)(n);
}

/** Elements `start` .. `start + n − 1` of `a` (a view). */
function block(a: NumericArray, start: number, n: number): NumericArray {
  return a.subarray(start, start + n) as NumericArray;
}

function start(c: NbcComm, call: NbcName, root: number, a: NumericArray, n: number, g: (s: Steps) => Gen): CollOp {
  return startCollective(c, call, root, typedKind(a), n, g);
}

// ---- the calls: checks, then the algorithm ----------------------------------------------------

/** iallreduceInto: see `Comm.iallreduceInto`. */
export function iallreduceInto(c: NbcComm, send: unknown, recv: unknown, op: unknown): CollOp {
  const o = toOp("iallreduceInto", op);
  check("iallreduceInto", reductionMisfit(send, recv, o));
  const r = recv as NumericArray;
  return start(c, "iallreduceInto", -1, r, r.length, (s) => allreduceSteps(s, send as Send, r, o));
}

/** ireduceInto: see `Comm.ireduceInto`. */
export function ireduceInto(c: NbcComm, send: unknown, recv: unknown, op: unknown, root: unknown): CollOp {
  const o = toOp("ireduceInto", op);
  checkRoot("ireduceInto", root, c.size);
  const rt = root as number;
  const isRoot = c.rank === rt;
  check(
    "ireduceInto",
    isRoot ? reductionMisfit(send, recv, o) : rootOnly(send, "send", rt) ?? arrayBad("send", send) ?? opFits(send, o),
  );
  const shape = (isRoot ? recv : send) as NumericArray;
  return start(
    c,
    "ireduceInto",
    rt,
    shape,
    shape.length,
    (s) => reduceSteps(s, send as Send, isRoot ? recv as NumericArray : null, o, rt),
  );
}

/** ibcastInto: see `Comm.ibcastInto`. */
export function ibcastInto(c: NbcComm, buf: unknown, root: unknown): CollOp {
  checkRoot("ibcastInto", root, c.size);
  check("ibcastInto", arrayBad("buf", buf));
  const b = buf as NumericArray;
  return start(c, "ibcastInto", root as number, b, b.length, (s) => bcastSteps(s, b, root as number));
}

/** iallgatherInto: see `Comm.iallgatherInto`. */
export function iallgatherInto(c: NbcComm, send: unknown, recv: unknown): CollOp {
  check("iallgatherInto", gatherMisfit(send, recv, c.size));
  const r = recv as NumericArray;
  const n = r.length / c.size;
  return start(c, "iallgatherInto", -1, r, n, (s) => allgatherSteps(s, send as Send, r, n));
}

/** igatherInto: see `Comm.igatherInto`. */
export function igatherInto(c: NbcComm, send: unknown, recv: unknown, root: unknown): CollOp {
  checkRoot("igatherInto", root, c.size);
  const rt = root as number;
  const isRoot = c.rank === rt;
  check(
    "igatherInto",
    isRoot ? gatherMisfit(send, recv, c.size) : rootOnly(send, "send", rt) ?? arrayBad("send", send),
  );
  const shape = (isRoot ? recv : send) as NumericArray;
  const n = isRoot ? shape.length / c.size : shape.length;
  return start(
    c,
    "igatherInto",
    rt,
    shape,
    n,
    (s) => gatherSteps(s, send as Send, isRoot ? recv as NumericArray : null, n, rt),
  );
}

/** iscatterInto: see `Comm.iscatterInto`. */
export function iscatterInto(c: NbcComm, send: unknown, recv: unknown, root: unknown): CollOp {
  checkRoot("iscatterInto", root, c.size);
  const rt = root as number;
  const isRoot = c.rank === rt;
  check(
    "iscatterInto",
    isRoot ? scatterMisfit(send, recv, c.size) : rootOnly(recv, "recv", rt) ?? arrayBad("recv", recv),
  );
  const shape = (isRoot ? send : recv) as NumericArray;
  const n = isRoot ? shape.length / c.size : shape.length;
  return start(
    c,
    "iscatterInto",
    rt,
    shape,
    n,
    (s) => scatterSteps(s, isRoot ? send as NumericArray : null, recv as Send, n, rt),
  );
}

/** ialltoallInto: see `Comm.ialltoallInto`. */
export function ialltoallInto(c: NbcComm, send: unknown, recv: unknown): CollOp {
  check("ialltoallInto", alltoallMisfit(send, recv, c.size));
  const r = recv as NumericArray;
  const n = r.length / c.size;
  return start(c, "ialltoallInto", -1, r, n, (s) => alltoallSteps(s, send as Send, r, n));
}

/** iscanInto and iexscanInto: see `Comm.iscanInto`. */
export function iscanInto(
  c: NbcComm,
  send: unknown,
  recv: unknown,
  op: unknown,
  call: "iscanInto" | "iexscanInto",
): CollOp {
  const o = toOp(call, op);
  check(call, reductionMisfit(send, recv, o));
  const r = recv as NumericArray;
  return start(c, call, -1, r, r.length, (s) => scanSteps(s, send as Send, r, o, call === "iexscanInto"));
}

// ---- the algorithms -----------------------------------------------------------------------------

/**
 * Recursive doubling (non-powers of two fold the first 2·rem ranks in pairs), operands in rank order. A rank whose
 * op throws keeps to the exchanges with a marker (a null) instead of data, and so does a rank that receives one:
 * every rank whose result needs the failed combine fails (with an op that throws alike wherever it meets the bad
 * operand, all of them); a rank whose own combines all succeeded completes with the right result. Unlike the blocking
 * allreduceInto, no exchange is added to agree on the failure (a nonblocking call that succeeds pays nothing for it).
 */
function* allreduceSteps(s: Steps, send: Send, recv: NumericArray, op: Op): Gen {
  if (send !== IN_PLACE) copyInto(recv, send);
  const { rank, size } = s;
  if (size === 1) return undefined;
  const tmp = like(recv, recv.length);
  let failed: SpmdError | null = null;
  const out = (r: number): PendingOp => failed === null ? s.sendTyped(recv, r) : s.send(null, r);
  // Folds the block received from `from` into `recv` (below this rank's when `lower`), unless either has failed.
  const fold = (op0: PendingOp, from: number, lower: boolean): void => {
    if (s.typedOrMarker(op0, tmp, from)) failed ??= relayed(s.call, from);
    if (failed !== null) return;
    try {
      combineOrdered(s.call, op, recv, tmp, lower);
    } catch (e) {
      failed = opFailure(s.call, op, e, rank);
    }
  };
  let pof2 = 1;
  while (pof2 * 2 <= size) pof2 *= 2;
  const rem = size - pof2;
  let newrank = rank - rem;
  if (rank < 2 * rem) {
    if (rank % 2 === 0) {
      yield [s.sendTyped(recv, rank + 1)];
      newrank = -1;
    } else {
      const r = s.recvTyped(tmp, rank - 1);
      yield [r];
      fold(r, rank - 1, true);
      newrank = rank >> 1;
    }
  }
  if (newrank >= 0) {
    for (let mask = 1; mask < pof2; mask <<= 1) {
      const np = newrank ^ mask;
      const partner = np < rem ? np * 2 + 1 : np + rem;
      const r = s.recvTyped(tmp, partner);
      yield [out(partner), r];
      fold(r, partner, partner < rank);
    }
  }
  if (rank < 2 * rem) {
    if (rank % 2 === 0) {
      const r = s.recvTyped(recv, rank + 1);
      yield [r];
      if (s.typedOrMarker(r, recv, rank + 1)) failed = relayed(s.call, rank + 1);
    } else yield [out(rank - 1)];
  }
  if (failed !== null) throw failed;
  return undefined;
}

/** The error of a rank that received a marker from rank `from` (the rank whose op threw reports the op's error). */
function relayed(call: string, from: number): SpmdError {
  return new SpmdError(
    `${call}: rank ${from} sent no data: a user op threw on a rank this one's result needs (that rank's error names it)`,
    "MPI_ERR_OP",
  );
}

/** Linear: every rank sends to the root, which combines the blocks in rank order into `recv`. */
function* reduceSteps(s: Steps, send: Send, recv: NumericArray | null, op: Op, root: number): Gen {
  const { rank, size } = s;
  if (rank !== root) {
    yield [s.sendTyped(send as NumericArray, root)];
    return undefined;
  }
  const out = recv!;
  const n = out.length;
  if (size === 1) {
    if (send !== IN_PLACE) copyInto(out, send);
    return undefined;
  }
  const blocks = like(out, n * size);
  const ops: PendingOp[] = [];
  for (let r = 0; r < size; r++) if (r !== root) ops.push(s.recvTyped(block(blocks, r * n, n), r));
  copyInto(block(blocks, root * n, n), send === IN_PLACE ? out : send);
  yield ops;
  for (let r = 0, k = 0; r < size; r++) if (r !== root) s.checkTyped(ops[k++], block(blocks, r * n, n), r);
  copyInto(out, block(blocks, 0, n));
  try {
    for (let r = 1; r < size; r++) combineOrdered(s.call, op, out, block(blocks, r * n, n), false);
  } catch (e) {
    throw opFailure(s.call, op, e, rank);
  }
  return undefined;
}

/** Binomial tree from the root: receive from the parent, then send to the children. */
function* bcastSteps(s: Steps, buf: NumericArray, root: number): Gen {
  const { rank, size } = s;
  const rel = (rank - root + size) % size;
  let mask = 1;
  while (mask < size) {
    if (rel & mask) {
      const parent = (rel - mask + root) % size;
      const r = s.recvTyped(buf, parent);
      yield [r];
      s.checkTyped(r, buf, parent);
      break;
    }
    mask <<= 1;
  }
  const sends: PendingOp[] = [];
  for (mask >>= 1; mask > 0; mask >>= 1) {
    if (rel + mask < size) sends.push(s.sendTyped(buf, (rel + mask + root) % size));
  }
  if (sends.length > 0) yield sends;
  return undefined;
}

/** Every rank sends its block to every other, each received straight into its block of `recv`. */
function* allgatherSteps(s: Steps, send: Send, recv: NumericArray, n: number): Gen {
  const { rank, size } = s;
  const mine = block(recv, rank * n, n);
  if (send !== IN_PLACE) copyInto(mine, send);
  const recvs: PendingOp[] = [];
  const ops: PendingOp[] = [];
  for (let r = 0; r < size; r++) if (r !== rank) recvs.push(s.recvTyped(block(recv, r * n, n), r));
  for (let r = 0; r < size; r++) if (r !== rank) ops.push(s.sendTyped(mine, r));
  yield ops.concat(recvs);
  for (let r = 0, k = 0; r < size; r++) if (r !== rank) s.checkTyped(recvs[k++], block(recv, r * n, n), r);
  return undefined;
}

/** Every rank sends its block to the root, which receives each straight into its block of `recv`. */
function* gatherSteps(s: Steps, send: Send, recv: NumericArray | null, n: number, root: number): Gen {
  const { rank, size } = s;
  if (rank !== root) {
    yield [s.sendTyped(send as NumericArray, root)];
    return undefined;
  }
  const out = recv!;
  if (send !== IN_PLACE) copyInto(block(out, root * n, n), send);
  const recvs: PendingOp[] = [];
  for (let r = 0; r < size; r++) if (r !== root) recvs.push(s.recvTyped(block(out, r * n, n), r));
  if (recvs.length > 0) yield recvs;
  for (let r = 0, k = 0; r < size; r++) if (r !== root) s.checkTyped(recvs[k++], block(out, r * n, n), r);
  return undefined;
}

/** The root sends block r of `send` to rank r, received straight into its `recv`. */
function* scatterSteps(s: Steps, send: NumericArray | null, recv: Send, n: number, root: number): Gen {
  const { rank, size } = s;
  if (rank !== root) {
    const into = recv as NumericArray;
    const r = s.recvTyped(into, root);
    yield [r];
    s.checkTyped(r, into, root);
    return undefined;
  }
  const all = send!;
  if (recv !== IN_PLACE) copyInto(recv, block(all, root * n, n));
  const sends: PendingOp[] = [];
  for (let r = 0; r < size; r++) if (r !== root) sends.push(s.sendTyped(block(all, r * n, n), r));
  if (sends.length > 0) yield sends;
  return undefined;
}

/** Block j of every rank's `send` to rank j, received straight into block r of its `recv` (IN_PLACE: sent from a copy). */
function* alltoallSteps(s: Steps, send: Send, recv: NumericArray, n: number): Gen {
  const { rank, size } = s;
  let from = send;
  if (from === IN_PLACE) {
    from = like(recv, recv.length);
    copyInto(from, recv);
  } else copyInto(block(recv, rank * n, n), block(from, rank * n, n));
  const recvs: PendingOp[] = [];
  const ops: PendingOp[] = [];
  for (let r = 0; r < size; r++) if (r !== rank) recvs.push(s.recvTyped(block(recv, r * n, n), r));
  for (let r = 0; r < size; r++) if (r !== rank) ops.push(s.sendTyped(block(from, r * n, n), r));
  yield ops.concat(recvs);
  for (let r = 0, k = 0; r < size; r++) if (r !== rank) s.checkTyped(recvs[k++], block(recv, r * n, n), r);
  return undefined;
}

/**
 * A chain: rank r receives the reduction of ranks 0..r−1 from r − 1 and
 * sends that of 0..r to r + 1. An exclusive scan leaves rank 0's `recv`
 * untouched (as MPI: it is undefined there).
 */
function* scanSteps(s: Steps, send: Send, recv: NumericArray, op: Op, exclusive: boolean): Gen {
  const { rank, size } = s;
  const own = send === IN_PLACE ? recv : send;
  let out: NumericArray = own; // this rank's inclusive result, sent on
  let failed: SpmdError | null = null;
  if (rank > 0) {
    const before = like(recv, recv.length);
    const r = s.recvTyped(before, rank - 1);
    yield [r];
    if (s.typedOrMarker(r, before, rank - 1)) failed = relayed(s.call, rank - 1);
    else if (rank < size - 1 || !exclusive) {
      out = like(recv, recv.length);
      copyInto(out, before);
      // A user op may modify either operand: it gets a copy of the caller's send (as scanInto's does).
      let mine = own;
      if (op.family === "user" && own === send) copyInto(mine = like(recv, recv.length), own);
      try {
        combineOrdered(s.call, op, out, mine, false);
      } catch (e) {
        failed = opFailure(s.call, op, e, rank);
      }
    }
    if (failed === null) copyInto(recv, exclusive ? before : out);
  } else if (!exclusive && send !== IN_PLACE) copyInto(recv, send);
  // A failure goes on down the chain as a marker: every later rank fails too, the earlier ones complete.
  if (rank < size - 1) yield [failed === null ? s.sendTyped(out, rank + 1) : s.send(null, rank + 1)];
  if (failed !== null) throw failed;
  return undefined;
}
