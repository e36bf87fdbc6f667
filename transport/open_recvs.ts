/**
 * {@linkcode OpenRecvs}: the receives a backend has started (`irecv`,
 * `improbe`) and that were not yet waited for to completion, which its
 * failure reports list and `cancel` withdraws. A list threaded through the
 * receives themselves, in the order they were started: adding and removing
 * allocate nothing and hash nothing (with a `Set`, the two took ~35 ns of a
 * 190 ns `isend` + `irecvInto` + `waitAll` message).
 *
 * @module
 */

import type { RecvOp } from "./matcher.ts";

/** The open receives of one backend, oldest first; a receive is in at most one such list. */
export class OpenRecvs implements Iterable<RecvOp> {
  #head: RecvOp | null = null;
  #tail: RecvOp | null = null;
  #size = 0;

  /** How many receives are open. */
  get size(): number {
    return this.#size;
  }

  /** True when `op` is open here. */
  has(op: RecvOp): boolean {
    return op.openIn === this;
  }

  /** Adds `op` at the end (nothing when it is open already). */
  add(op: RecvOp): void {
    if (op.openIn === this) return;
    op.openIn = this;
    op.openPrev = this.#tail;
    op.openNext = null;
    if (this.#tail === null) this.#head = op;
    else this.#tail.openNext = op;
    this.#tail = op;
    this.#size++;
  }

  /** Removes `op`; false when it was not open here. */
  delete(op: RecvOp): boolean {
    if (op.openIn !== this) return false;
    const prev = op.openPrev, next = op.openNext;
    if (prev === null) this.#head = next;
    else prev.openNext = next;
    if (next === null) this.#tail = prev;
    else next.openPrev = prev;
    op.openIn = null;
    op.openPrev = op.openNext = null;
    this.#size--;
    return true;
  }

  /** The open receives, oldest first (removing the one just returned is allowed). */
  *[Symbol.iterator](): Iterator<RecvOp> {
    for (let op = this.#head; op !== null;) {
      const next: RecvOp | null = op.openNext;
      yield op;
      op = next;
    }
  }
}
