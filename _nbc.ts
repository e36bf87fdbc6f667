// Nonblocking collectives (ibarrier, ibcast, ...): each is a generator that
// starts point-to-point operations on the communicator's collective context
// and yields them; a CollOp drives it whenever its request is tested or
// waited for (the backend's wait loop reads `done`, which moves it on), so
// the collective progresses while the rank waits on it or tests it. Every
// call takes a tag of its own (a per-communicator sequence number), so
// several may be in flight at once, started in the same order on every
// rank as MPI requires.
//
// The algorithms are the plain ones (linear to and from the root, every
// rank to every rank): correct at any size, simple to resume.

import { ANY_TAG } from "./constants.ts";
import { isAbort, SpmdError } from "./errors.ts";
import { collectiveContext, collectiveTagName, T_NBC } from "./transport/calls.ts";
import type { Incoming, PendingOp, Transport } from "./transport/transport.ts";
import { bytesOf, KIND_DATAVIEW, KIND_FLOAT64, typedKind, typedName } from "./transport/typed.ts";
import { KIND_NULL } from "./transport/codec.ts";
import { isendValue, valueOf } from "./_message.ts";
import { copyValue } from "./collectives/_coll.ts";

/** The rank's side of a communicator, as the algorithms need it. */
export interface NbcComm {
  readonly transport: Transport;
  readonly context: number;
  readonly rank: number;
  readonly size: number;
  worldRank(r: number): number;
}

/** The nonblocking collectives, by code (the code travels in a call's signature). */
const NAMES = [
  "ibarrier",
  "ibcast",
  "ireduce",
  "iallreduce",
  "igather",
  "iscatter",
  "iallgather",
  "ialltoall",
  "iscan",
  "iexscan",
  "ibcastInto",
  "ireduceInto",
  "iallreduceInto",
  "igatherInto",
  "iscatterInto",
  "iallgatherInto",
  "ialltoallInto",
  "iscanInto",
  "iexscanInto",
] as const;

/** The name of a nonblocking collective. */
export type NbcName = typeof NAMES[number];

/** "iallreduceInto(Float64Array(4))", "ibcast(root=2)": a signature as errors show it. */
function describeSig(sig: Float64Array): string {
  const [code, root, kind, n] = sig;
  const parts: string[] = [];
  if (root >= 0) parts.push(`root=${root}`);
  if (kind > 0) parts.push(`${typedName(kind) ?? "?"}(${n})`);
  return `${NAMES[code] ?? `call ${code}`}(${parts.join(", ")})`;
}

/**
 * A nonblocking collective in progress: a pending op whose `done` drives
 * it. Besides the algorithm's messages, every rank sends the call's
 * signature (call, root, element type and block length) to the next rank
 * and checks the one from the previous rank before it completes, so ranks
 * that started different collectives (or the same one with another root or
 * shape) at the same position fail with an error naming both calls instead
 * of waiting for each other: when every neighbour agrees, all ranks agree.
 * A failure completes the op with `error` (its receives are withdrawn).
 */
export class CollOp implements PendingOp {
  /** What the collective returns, once done. */
  result: unknown = undefined;
  /** Why it failed (once done), else null. */
  error: unknown = null;
  readonly #t: Transport;
  readonly #s: Steps;
  readonly #gen: Generator<PendingOp[], unknown, void>;
  readonly #sig: Float64Array;
  readonly #theirs: Float64Array | null;
  #sigRecv: PendingOp | null = null;
  #sigSend: PendingOp | null = null;
  #pending: PendingOp[] = [];
  #ran = false;
  #done = false;
  /** True while #advance runs (a wait inside it may drive the transport's background ops, this one among them). */
  #busy = false;

  constructor(t: Transport, s: Steps, gen: Generator<PendingOp[], unknown, void>, sig: Float64Array) {
    this.#t = t;
    this.#s = s;
    this.#gen = gen;
    this.#sig = sig;
    this.#theirs = s.size > 1 ? new Float64Array(4) : null;
    if (this.#theirs !== null) {
      this.#sigSend = s.sendSig(sig, (s.rank + 1) % s.size);
      this.#sigRecv = s.recvSig(this.#theirs, (s.rank - 1 + s.size) % s.size);
    }
    this.#advance();
    // Until done, every blocking wait of this rank moves it on (MPI's progress rule): a rank blocked in a
    // receive still answers the collectives it started.
    if (!this.#done) t.background?.add(this);
  }

  /** True once complete; reading it moves the collective on as far as it can go now. */
  get done(): boolean {
    if (!this.#done) this.#advance();
    return this.#done;
  }

  /** The result, or the error the collective failed with (thrown). */
  outcome(): unknown {
    if (this.error !== null) throw this.error;
    return this.result;
  }

  #advance(): void {
    if (this.#busy) return;
    this.#busy = true;
    try {
      this.#step();
    } catch (e) {
      if (isAbort(e)) throw e;
      this.#fail(e);
    } finally {
      this.#busy = false;
    }
  }

  #step(): void {
    const t = this.#t;
    if (this.#sigRecv !== null && t.test(this.#sigRecv)) {
      t.wait(this.#sigRecv); // the backend forgets a receive once waited for
      this.#sigRecv = null;
      this.#checkSig();
    }
    while (!this.#ran) {
      for (const op of this.#pending) {
        if (!op.done && !t.test(op)) {
          if (this.#sigRecv !== null) this.#probeBlocking();
          return;
        }
      }
      const next = this.#gen.next();
      if (next.done) {
        this.result = next.value;
        this.#ran = true;
        this.#pending = [];
      } else this.#pending = next.value;
    }
    if (this.#sigRecv !== null) return this.#probeBlocking();
    if (this.#sigSend !== null && !t.test(this.#sigSend)) return;
    this.#done = true;
    this.#t.background?.delete(this);
  }

  #checkSig(): void {
    const a = this.#theirs!;
    const b = this.#sig;
    if (a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3]) return;
    const s = this.#s;
    throw mismatch(
      `${s.call}: rank ${(s.rank - 1 + s.size) % s.size} started ${describeSig(a)} where rank ${s.rank} started ` +
        `${describeSig(b)}: mismatched nonblocking collectives (every rank must start the same collectives, with the ` +
        `same root and buffer shapes, in the same order)`,
    );
  }

  /** The previous rank sent a blocking collective's message where its signature should be: it is in one. */
  #probeBlocking(): void {
    const s = this.#s;
    const left = (s.rank - 1 + s.size) % s.size;
    const e = this.#t.iprobe(s.worldRank(left), ANY_TAG, s.context);
    if (e === null || e.tag >= T_NBC) return;
    // The previous rank sent its signature before that message: the probe has taken it in if it came.
    if (this.#t.test(this.#sigRecv!)) return;
    throw mismatch(
      `${s.call}: rank ${left} is in a blocking ${collectiveTagName(e.tag)} where rank ${s.rank} started ` +
        `${describeSig(this.#sig)}: mismatched collectives (every rank must call the same collectives, blocking ` +
        `or not, in the same order)`,
    );
  }

  #fail(e: unknown): void {
    const t = this.#t;
    if (this.#sigRecv !== null && !mismatches.has(e as object)) {
      // A signature that has arrived explains a failure better than the data that did not fit.
      try {
        if (t.test(this.#sigRecv)) {
          t.wait(this.#sigRecv);
          this.#sigRecv = null;
          this.#checkSig();
        }
      } catch (x) {
        if (isAbort(x)) throw x;
        e = x;
      }
    }
    for (const op of this.#pending) {
      if (!op.done) t.matching.cancel(op);
      else {
        try {
          t.wait(op); // a receive completed: the backend forgets it
        } catch { /* its error is not the one to report */ }
      }
    }
    if (this.#sigRecv !== null && !this.#sigRecv.done) t.matching.cancel(this.#sigRecv);
    this.#sigRecv = null;
    this.#pending = [];
    this.error = e;
    this.#done = true;
    this.#t.background?.delete(this);
  }
}

/** The errors that say the ranks started different collectives. */
const mismatches = new WeakSet<object>();

function mismatch(message: string): SpmdError {
  const e = new SpmdError(message, "MPI_ERR_OTHER");
  mismatches.add(e);
  return e;
}

const sequence = new WeakMap<object, number>();

/**
 * Starts `algorithm` on `c` as a CollOp. `kind` and `n` are the element
 * type and block length that every rank must agree on (0 and −1 for the
 * value calls), `root` the root (−1 for none).
 */
export function startCollective(
  c: NbcComm,
  call: NbcName,
  root: number,
  kind: number,
  n: number,
  algorithm: (s: Steps) => Generator<PendingOp[], unknown, void>,
): CollOp {
  const key = c as object;
  const seq = sequence.get(key) ?? 0;
  sequence.set(key, seq + 1);
  const s = new Steps(c, T_NBC + 2 * (seq & 0xfffff), call);
  const sig = new Float64Array(4);
  sig[0] = NAMES.indexOf(call);
  sig[1] = root;
  sig[2] = kind;
  sig[3] = n;
  return new CollOp(c.transport, s, algorithm(s), sig);
}

/** Point-to-point steps of one collective call. */
export class Steps {
  readonly rank: number;
  readonly size: number;
  /** The public call, for errors. */
  readonly call: string;
  /** The collective context. */
  readonly context: number;
  readonly #c: NbcComm;
  readonly #tag: number;

  constructor(c: NbcComm, tag: number, call: string) {
    this.#c = c;
    this.rank = c.rank;
    this.size = c.size;
    this.#tag = tag;
    this.context = collectiveContext(c.context);
    this.call = call;
  }

  /** World rank of communicator rank `r`. */
  worldRank(r: number): number {
    return this.#c.worldRank(r);
  }

  /** Starts sending `value` to communicator rank `r`. */
  send(value: unknown, r: number): PendingOp {
    return isendValue(this.#c.transport, value, this.#c.worldRank(r), this.#tag, this.context, this.call);
  }

  /** Starts receiving from communicator rank `r`. */
  recv(r: number): PendingOp {
    return this.#c.transport.irecv(this.#c.worldRank(r), this.#tag, this.context, null);
  }

  /** The value a completed receive brought. */
  value(op: PendingOp): unknown {
    return valueOf(this.#c.transport.wait(op) as Incoming, this.call);
  }

  /** Starts sending the bytes of typed array `a` (untouched until the op completes) to rank `r`. */
  sendTyped(a: ArrayBufferView, r: number): PendingOp {
    return this.#c.transport.isend(typedKind(a), bytesOf(a), this.#c.worldRank(r), this.#tag, this.context);
  }

  /** Starts receiving from rank `r` straight into typed array `a` (check it with `checkTyped`). */
  recvTyped(a: ArrayBufferView, r: number): PendingOp {
    return this.#c.transport.irecv(this.#c.worldRank(r), this.#tag, this.context, a);
  }

  /** Throws unless the completed receive `op` from rank `r` brought exactly `a`'s type and length. */
  checkTyped(op: PendingOp, a: ArrayBufferView, r: number): void {
    const m = this.#c.transport.wait(op) as Incoming;
    const kind = typedKind(a);
    if (m.kind === kind && m.length === a.byteLength) return;
    const name = typedName(m.kind);
    const got = name === null || m.kind === KIND_DATAVIEW
      ? "a message that is not a typed array"
      : `${m.length} bytes of ${name}`;
    throw new SpmdError(
      `${this.call}: rank ${r} sent ${got} where rank ${this.rank} expected ${typedName(kind)}(${
        (a as Uint8Array).length
      }): the ranks' buffers disagree`,
      "MPI_ERR_TRUNCATE",
    );
  }

  /**
   * As checkTyped, but true (nothing thrown) when a marker came instead: a null, which the reductions into buffers
   * send in place of data when their user op threw (_nbc_into.ts).
   */
  typedOrMarker(op: PendingOp, a: ArrayBufferView, r: number): boolean {
    if ((this.#c.transport.wait(op) as Incoming).kind === KIND_NULL) return true;
    this.checkTyped(op, a, r);
    return false;
  }

  /** Starts sending a signature to rank `r`. */
  sendSig(sig: Float64Array, r: number): PendingOp {
    return this.#c.transport.isend(KIND_FLOAT64, bytesOf(sig), this.#c.worldRank(r), this.#tag + 1, this.context);
  }

  /** Starts receiving rank `r`'s signature into `into`. */
  recvSig(into: Float64Array, r: number): PendingOp {
    return this.#c.transport.irecv(this.#c.worldRank(r), this.#tag + 1, this.context, into);
  }
}

/** ibarrier: dissemination, ⌈log2 p⌉ rounds. */
export function* barrierSteps(s: Steps): Generator<PendingOp[], unknown, void> {
  for (let k = 1; k < s.size; k <<= 1) {
    const r = s.recv((s.rank - k + s.size) % s.size);
    yield [s.send(0, (s.rank + k) % s.size), r];
    s.value(r);
  }
  return undefined;
}

/** ibcast: the root sends to every rank. */
export function* bcastSteps(s: Steps, value: unknown, root: number): Generator<PendingOp[], unknown, void> {
  if (s.rank === root) {
    const sends: PendingOp[] = [];
    for (let r = 0; r < s.size; r++) if (r !== root) sends.push(s.send(value, r));
    yield sends;
    return value;
  }
  const r = s.recv(root);
  yield [r];
  return s.value(r);
}

/** igather: every rank sends to the root, which returns the values in rank order (others null). */
export function* gatherSteps(s: Steps, value: unknown, root: number): Generator<PendingOp[], unknown, void> {
  if (s.rank !== root) {
    yield [s.send(value, root)];
    return null;
  }
  const recvs = Array.from({ length: s.size }, (_, r) => r === root ? null : s.recv(r));
  yield recvs.filter((r): r is PendingOp => r !== null);
  // Every receive is read before anything can throw (a value that cannot be decoded, or copied): a caller that
  // catches the error and goes on (iallreduce) leaves no message behind.
  let failed: unknown = null;
  const values = recvs.map((r) => {
    if (r === null) return undefined;
    try {
      return s.value(r);
    } catch (e) {
      if (isAbort(e)) throw e;
      failed ??= e;
      return undefined;
    }
  });
  if (failed !== null) throw failed;
  values[root] = copyValue(value, s.call);
  return values;
}

/** iscatter: the root sends `values[r]` to rank r. */
export function* scatterSteps(
  s: Steps,
  values: readonly unknown[] | null,
  root: number,
): Generator<PendingOp[], unknown, void> {
  if (s.rank === root) {
    const sends: PendingOp[] = [];
    for (let r = 0; r < s.size; r++) if (r !== root) sends.push(s.send(values![r], r));
    yield sends;
    return copyValue(values![root], s.call);
  }
  const r = s.recv(root);
  yield [r];
  return s.value(r);
}

/** iallgather / ialltoall: every rank sends to every other (`values[r]` to r for alltoall, else `value`). */
export function* exchangeSteps(s: Steps, values: (r: number) => unknown): Generator<PendingOp[], unknown, void> {
  const recvs = Array.from({ length: s.size }, (_, r) => r === s.rank ? null : s.recv(r));
  const ops: PendingOp[] = [];
  for (let r = 0; r < s.size; r++) if (r !== s.rank) ops.push(s.send(values(r), r));
  for (const r of recvs) if (r !== null) ops.push(r);
  yield ops;
  return recvs.map((r, i) => r === null ? copyValue(values(i), s.call) : s.value(r));
}
