// The buffer collectives of a communicator, mpi4py's uppercase API
// (`comm.Allreduce(sendbuf, recvbuf)` is `comm.allreduceInto(send, recv)`):
// argument checks, the call's record in the activity block, and naming the
// call in every error; the algorithms are in collectives/_into_*.ts.
// `Comm`'s methods delegate here.
//
// What one rank can see is wrong with its own arguments (an array that is
// not a typed array, a recv of the wrong length, IN_PLACE where MPI does not
// allow it, an op that does not apply to the type) does not throw at once:
// it travels with the collective, so that the other ranks learn of it and
// throw too instead of waiting (every rank in the calls without a root; in
// the rooted ones, the ranks that the tree carries it to). Only a bad root
// or op, which the ranks could not even agree on a pattern with, throws at
// once.

import { IN_PLACE } from "./constants.ts";
import { nameCall } from "./errors.ts";
import { type Op, opMisfit, toOp } from "./ops.ts";
import { callCode, collectiveContext } from "./transport/calls.ts";
import type { Transport } from "./transport/transport.ts";
import { elementCount, type NumericArray, typedKind } from "./transport/typed.ts";
import type { Coll } from "./collectives/_coll.ts";
import type { Bad } from "./collectives/_fault.ts";
import { arrayMisfit, checkRoot, overlaps } from "./_validate.ts";
import { allreduceInto as allreduceColl, allreduceIntoQuick } from "./collectives/_into_allreduce.ts";
import { reduceInto as reduceColl } from "./collectives/_into_reduce.ts";
import { bcastInto as bcastColl } from "./collectives/_into_bcast.ts";
import { gatherInto as gatherColl, scatterInto as scatterColl } from "./collectives/_into_gather.ts";
import { allgatherInto as allgatherColl, alltoallInto as alltoallColl } from "./collectives/_into_all.ts";
import { scanInto as scanColl } from "./collectives/_into_scan.ts";

/** A send buffer: a typed array, or IN_PLACE. */
export type SendBuffer = NumericArray | typeof IN_PLACE;

/** What the buffer calls need of a communicator (a `Comm` is one). */
export interface BufferEndpoint {
  /** This rank. */
  readonly rank: number;
  /** Rank count. */
  readonly size: number;
  /** The backend. */
  readonly transport: Transport;
  /** Context of point-to-point traffic (collectives use the next one). */
  readonly context: number;
  /** The communicator's collectives, named for `call`. */
  collFor(call: string): Coll;
}

const C_BCAST = callCode("bcastInto");
const C_REDUCE = callCode("reduceInto");
const C_ALLREDUCE = callCode("allreduceInto");
const C_GATHER = callCode("gatherInto");
const C_SCATTER = callCode("scatterInto");
const C_ALLGATHER = callCode("allgatherInto");
const C_ALLTOALL = callCode("alltoallInto");
const C_SCAN = callCode("scanInto");
const C_EXSCAN = callCode("exscanInto");

/** Opens call `call` (code `code`, rooted at `root` or −1) in the activity block; returns its collectives. */
function enter(comm: BufferEndpoint, call: string, code: number, root: number): Coll {
  const c = comm.collFor(call);
  comm.transport.enter(code, root, -1, collectiveContext(comm.context));
  return c;
}

/** `e` as an error of `call`. */
function named(call: string, e: unknown): unknown {
  return nameCall(call, e);
}

/** allreduceInto: see `Comm.allreduceInto`. */
export function allreduceInto(comm: BufferEndpoint, send: unknown, recv: unknown, op: unknown): void {
  const o = toOp("allreduceInto", op);
  const bad = reductionMisfit(send, recv, o);
  if (bad === null) {
    // The common small call: recorded in the activity block only if it must wait (_into_allreduce.ts).
    const q = comm.collFor("allreduceInto");
    try {
      if (allreduceIntoQuick(q, send as SendBuffer, recv as NumericArray, o)) return;
    } catch (e) {
      throw named("allreduceInto", e);
    }
  }
  const c = enter(comm, "allreduceInto", C_ALLREDUCE, -1);
  try {
    allreduceColl(c, send as SendBuffer, recv as NumericArray, o, bad);
  } catch (e) {
    throw named("allreduceInto", e);
  } finally {
    comm.transport.leave();
  }
}

/** scanInto and exscanInto: see `Comm.scanInto`. */
export function scanInto(
  comm: BufferEndpoint,
  send: unknown,
  recv: unknown,
  op: unknown,
  call: "scanInto" | "exscanInto",
): void {
  const o = toOp(call, op);
  const bad = reductionMisfit(send, recv, o);
  const c = enter(comm, call, call === "scanInto" ? C_SCAN : C_EXSCAN, -1);
  try {
    scanColl(c, send as SendBuffer, recv as NumericArray, o, call === "exscanInto", bad);
  } catch (e) {
    throw named(call, e);
  } finally {
    comm.transport.leave();
  }
}

/** reduceInto: see `Comm.reduceInto`. */
export function reduceInto(comm: BufferEndpoint, send: unknown, recv: unknown, op: unknown, root: unknown): void {
  const o = toOp("reduceInto", op);
  checkRoot("reduceInto", root, comm.size);
  const r = root as number;
  const bad = comm.rank === r
    ? reductionMisfit(send, recv, o)
    : rootOnly(send, "send", r) ?? arrayBad("send", send) ?? opFits(send, o);
  const c = enter(comm, "reduceInto", C_REDUCE, r);
  try {
    reduceColl(c, send as SendBuffer, comm.rank === r ? recv as NumericArray : null, o, r, bad);
  } catch (e) {
    throw named("reduceInto", e);
  } finally {
    comm.transport.leave();
  }
}

/** bcastInto: see `Comm.bcastInto`. */
export function bcastInto(comm: BufferEndpoint, buf: unknown, root: unknown): void {
  checkRoot("bcastInto", root, comm.size);
  const why = arrayMisfit("buf", buf, false);
  const bad = why === null ? null : { message: why, code: "MPI_ERR_BUFFER" };
  const c = enter(comm, "bcastInto", C_BCAST, root as number);
  try {
    bcastColl(c, buf as NumericArray, root as number, bad);
  } catch (e) {
    throw named("bcastInto", e);
  } finally {
    comm.transport.leave();
  }
}

/** allgatherInto: see `Comm.allgatherInto`. */
export function allgatherInto(comm: BufferEndpoint, send: unknown, recv: unknown): void {
  const bad = gatherMisfit(send, recv, comm.size);
  const c = enter(comm, "allgatherInto", C_ALLGATHER, -1);
  try {
    allgatherColl(c, send as SendBuffer, recv as NumericArray, bad);
  } catch (e) {
    throw named("allgatherInto", e);
  } finally {
    comm.transport.leave();
  }
}

/** gatherInto: see `Comm.gatherInto`. */
export function gatherInto(comm: BufferEndpoint, send: unknown, recv: unknown, root: unknown): void {
  checkRoot("gatherInto", root, comm.size);
  const r = root as number;
  const bad = comm.rank === r
    ? gatherMisfit(send, recv, comm.size)
    : rootOnly(send, "send", r) ?? arrayBad("send", send);
  const c = enter(comm, "gatherInto", C_GATHER, r);
  try {
    gatherColl(c, send as SendBuffer, comm.rank === r ? recv as NumericArray : null, r, bad);
  } catch (e) {
    throw named("gatherInto", e);
  } finally {
    comm.transport.leave();
  }
}

/** scatterInto: see `Comm.scatterInto`. */
export function scatterInto(comm: BufferEndpoint, send: unknown, recv: unknown, root: unknown): void {
  checkRoot("scatterInto", root, comm.size);
  const r = root as number;
  const bad = comm.rank === r
    ? scatterMisfit(send, recv, comm.size)
    : rootOnly(recv, "recv", r) ?? arrayBad("recv", recv);
  const c = enter(comm, "scatterInto", C_SCATTER, r);
  try {
    scatterColl(c, comm.rank === r ? send as NumericArray : null, recv as SendBuffer, r, bad);
  } catch (e) {
    throw named("scatterInto", e);
  } finally {
    comm.transport.leave();
  }
}

/** alltoallInto: see `Comm.alltoallInto`. */
export function alltoallInto(comm: BufferEndpoint, send: unknown, recv: unknown): void {
  const bad = alltoallMisfit(send, recv, comm.size);
  const c = enter(comm, "alltoallInto", C_ALLTOALL, -1);
  try {
    alltoallColl(c, send as SendBuffer, recv as NumericArray, bad);
  } catch (e) {
    throw named("alltoallInto", e);
  } finally {
    comm.transport.leave();
  }
}

// ---- argument checks: what is wrong with this rank's arguments, as a Bad (null when nothing is) ----

function buffer(message: string): Bad {
  return { message, code: "MPI_ERR_BUFFER" };
}

/** Why `v` cannot be the typed array `name`, as a Bad. */
export function arrayBad(name: string, v: unknown, inPlace = false): Bad | null {
  const why = arrayMisfit(name, v, inPlace);
  return why === null ? null : buffer(why);
}

/** IN_PLACE passed where only the root may pass it. */
export function rootOnly(v: unknown, name: string, root: number): Bad | null {
  return v === IN_PLACE ? buffer(`${name} may be IN_PLACE on the root (rank ${root}) only`) : null;
}

/** "Float64Array(4)". */
function shape(a: NumericArray): string {
  return `${a.constructor.name}(${a.length})`;
}

/** `send` and `recv` (typed arrays) have one element type. */
function sameType(send: NumericArray, recv: NumericArray): Bad | null {
  if (send.constructor === recv.constructor || typedKind(send) === typedKind(recv)) return null;
  return {
    message: `send and recv must have one element type, got ${shape(send)} and ${shape(recv)}`,
    code: "MPI_ERR_TYPE",
  };
}

/** `send` and `recv` share no memory. */
function apart(send: NumericArray, recv: NumericArray): Bad | null {
  return overlaps(send, recv) ? buffer("send and recv overlap (pass IN_PLACE as send to work in place)") : null;
}

function count(message: string): Bad {
  return { message, code: "MPI_ERR_COUNT" };
}

/** The op applies to the typed array `input` (when it is one). */
export function opFits(input: unknown, op: Op): Bad | null {
  if (!ArrayBuffer.isView(input) || (op.family !== "bitwise" && op.family !== "loc")) return null; // the others apply
  if (op.family === "loc") {
    return {
      message: `${op.name} does not apply to typed arrays in the buffer calls (use the value calls with ` +
        `[value, index] pairs)`,
      code: "MPI_ERR_OP",
    };
  }
  const why = opMisfit(op, input);
  return why === null ? null : { message: why, code: "MPI_ERR_OP" };
}

/** allreduceInto, scanInto, exscanInto, and reduceInto on the root: send (or IN_PLACE) and recv alike. */
export function reductionMisfit(send: unknown, recv: unknown, op: Op): Bad | null {
  // The arrays and op of the last call that fit: a loop passes the same ones again and again. Their type and
  // buffer cannot change; their byte length can (detached: 0; a resizable buffer), so it is compared.
  if (
    send === fit.send && recv === fit.recv && op === fit.op && (recv as NumericArray).byteLength === fit.bytes &&
    (send === IN_PLACE || (send as NumericArray).byteLength === fit.bytes) && fit.bytes > 0
  ) return null;
  const bad = reductionCheck(send, recv, op);
  if (bad === null) {
    fit.send = send;
    fit.recv = recv;
    fit.op = op;
    fit.bytes = (recv as NumericArray).byteLength;
  }
  return bad;
}

const fit: { send: unknown; recv: unknown; op: Op | null; bytes: number } = {
  send: null,
  recv: null,
  op: null,
  bytes: 0,
};

/** reductionMisfit's checks. */
function reductionCheck(send: unknown, recv: unknown, op: Op): Bad | null {
  const r = arrayBad("recv", recv);
  if (r !== null) return r;
  const rv = recv as NumericArray;
  if (send !== IN_PLACE) {
    const s = arrayBad("send", send, true);
    if (s !== null) return s;
    const sv = send as NumericArray;
    const t = sameType(sv, rv) ?? apart(sv, rv);
    if (t !== null) return t;
    if (elementCount(rv) !== elementCount(sv)) {
      return count(`recv must have as many elements as send (${elementCount(sv)}), got ${shape(rv)}`);
    }
  }
  return opFits(rv, op);
}

/** allgatherInto, and gatherInto on the root: recv holds size blocks of send's length. */
export function gatherMisfit(send: unknown, recv: unknown, size: number): Bad | null {
  const r = arrayBad("recv", recv);
  if (r !== null) return r;
  const rv = recv as NumericArray;
  if (send === IN_PLACE) {
    if (elementCount(rv) % size === 0) return null;
    return count(`recv must have size × n elements (size ${size}; in place, n = recv.length / size), got ${shape(rv)}`);
  }
  const s = arrayBad("send", send, true);
  if (s !== null) return s;
  const sv = send as NumericArray;
  const t = sameType(sv, rv) ?? apart(sv, rv);
  if (t !== null) return t;
  if (elementCount(rv) === size * elementCount(sv)) return null;
  return count(
    `recv must have size × send.length = ${size} × ${elementCount(sv)} = ${size * elementCount(sv)} elements, got ${
      shape(rv)
    }`,
  );
}

/** scatterInto on the root: send holds size blocks of recv's length (or recv is IN_PLACE). */
export function scatterMisfit(send: unknown, recv: unknown, size: number): Bad | null {
  const s = arrayBad("send", send);
  if (s !== null) return s;
  const sv = send as NumericArray;
  if (elementCount(sv) % size !== 0) {
    return count(`send must have size × n elements (size ${size}; n = recv.length), got ${shape(sv)}`);
  }
  if (recv === IN_PLACE) return null;
  const r = arrayBad("recv", recv, true);
  if (r !== null) return r;
  const rv = recv as NumericArray;
  const t = sameType(sv, rv) ?? apart(sv, rv);
  if (t !== null) return t;
  if (elementCount(sv) === size * elementCount(rv)) return null;
  return count(
    `send must have size × recv.length = ${size} × ${elementCount(rv)} = ${size * elementCount(rv)} elements, got ${
      shape(sv)
    }`,
  );
}

/** alltoallInto: recv holds size blocks; send (or IN_PLACE) is like it. */
export function alltoallMisfit(send: unknown, recv: unknown, size: number): Bad | null {
  const r = arrayBad("recv", recv);
  if (r !== null) return r;
  const rv = recv as NumericArray;
  if (elementCount(rv) % size !== 0) return count(`recv must have size × n elements (size ${size}), got ${shape(rv)}`);
  if (send === IN_PLACE) return null;
  const s = arrayBad("send", send, true);
  if (s !== null) return s;
  const sv = send as NumericArray;
  const t = sameType(sv, rv) ?? apart(sv, rv);
  if (t !== null) return t;
  if (elementCount(rv) === elementCount(sv)) return null;
  return count(`recv must have as many elements as send (${elementCount(sv)}), got ${shape(rv)}`);
}
