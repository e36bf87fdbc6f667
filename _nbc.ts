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

import { collectiveContext } from "./transport/calls.ts";
import type { Incoming, PendingOp, Transport } from "./transport/transport.ts";
import { isendValue, valueOf } from "./_message.ts";
import { combine, type Op } from "./ops.ts";

/** First tag of the nonblocking collectives (blocking ones use small tags, neighbour ones 64 and up). */
const T_NBC = 1 << 20;

/** The rank's side of a communicator, as the algorithms need it. */
export interface NbcComm {
  readonly transport: Transport;
  readonly context: number;
  readonly rank: number;
  readonly size: number;
  worldRank(r: number): number;
}

/** A nonblocking collective in progress: a pending op whose `done` drives it. */
export class CollOp implements PendingOp {
  /** What the collective returns, once done. */
  result: unknown = undefined;
  readonly #t: Transport;
  readonly #gen: Generator<PendingOp[], unknown, void>;
  #pending: PendingOp[] = [];
  #done = false;

  constructor(t: Transport, gen: Generator<PendingOp[], unknown, void>) {
    this.#t = t;
    this.#gen = gen;
    this.#advance();
  }

  /** True once complete; reading it moves the collective on as far as it can go now. */
  get done(): boolean {
    if (!this.#done) this.#advance();
    return this.#done;
  }

  #advance(): void {
    for (;;) {
      for (const op of this.#pending) if (!op.done && !this.#t.test(op)) return;
      const next = this.#gen.next();
      if (next.done) {
        this.result = next.value;
        this.#done = true;
        this.#pending = [];
        return;
      }
      this.#pending = next.value;
    }
  }
}

const sequence = new WeakMap<object, number>();

/** Starts `algorithm` on `c` as a CollOp. */
export function startCollective(
  c: NbcComm,
  call: string,
  algorithm: (s: Steps) => Generator<PendingOp[], unknown, void>,
): CollOp {
  const key = c as object;
  const seq = sequence.get(key) ?? 0;
  sequence.set(key, seq + 1);
  const s = new Steps(c, T_NBC + (seq & 0xfffff), call);
  return new CollOp(c.transport, algorithm(s));
}

/** Point-to-point steps of one collective call. */
export class Steps {
  readonly rank: number;
  readonly size: number;
  readonly #c: NbcComm;
  readonly #tag: number;
  readonly #ctx: number;
  readonly #call: string;

  constructor(c: NbcComm, tag: number, call: string) {
    this.#c = c;
    this.rank = c.rank;
    this.size = c.size;
    this.#tag = tag;
    this.#ctx = collectiveContext(c.context);
    this.#call = call;
  }

  /** Starts sending `value` to communicator rank `r`. */
  send(value: unknown, r: number): PendingOp {
    return isendValue(this.#c.transport, value, this.#c.worldRank(r), this.#tag, this.#ctx, this.#call);
  }

  /** Starts receiving from communicator rank `r`. */
  recv(r: number): PendingOp {
    return this.#c.transport.irecv(this.#c.worldRank(r), this.#tag, this.#ctx, null);
  }

  /** The value a completed receive brought. */
  value(op: PendingOp): unknown {
    return valueOf(this.#c.transport.wait(op) as Incoming, this.#call);
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
  return recvs.map((r) => r === null ? value : s.value(r));
}

/** ireduce: gather to the root, combined there in rank order (others null). */
export function* reduceSteps(
  s: Steps,
  value: unknown,
  op: Op,
  root: number,
  call: string,
): Generator<PendingOp[], unknown, void> {
  const all = (yield* gatherSteps(s, value, root)) as unknown[] | null;
  if (all === null) return null;
  let acc = all[0];
  for (let r = 1; r < all.length; r++) acc = combine(call, op, acc, all[r]);
  return acc;
}

/** iallreduce: ireduce to rank 0, then ibcast from it. */
export function* allreduceSteps(s: Steps, value: unknown, op: Op, call: string): Generator<PendingOp[], unknown, void> {
  const acc = yield* reduceSteps(s, value, op, 0, call);
  return yield* bcastSteps(s, acc, 0);
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
    return values![root];
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
  return recvs.map((r, i) => r === null ? values(i) : s.value(r));
}
