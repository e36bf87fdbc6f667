/**
 * {@linkcode PointToPoint}: the part of a communicator that sends and
 * receives (mpi4py's lowercase point-to-point API), which `Comm` extends
 * with collectives and communicator calls. Obtain communicators with
 * `world()`, `split` and `dup`; the logic is in `_p2p.ts`.
 *
 * @module
 */

import { ANY_SOURCE, ANY_TAG } from "./constants.ts";
import { SpmdError } from "./errors.ts";
import type { Request } from "./request.ts";
import type { Message } from "./mprobe.ts";
import * as p2p from "./_p2p.ts";
import { issend, sendrecvReplace, ssend } from "./_ssend.ts";
import { alloc, type AllocType, free } from "./_alloc.ts";
import type { Status } from "./status.ts";
import type { Transport } from "./transport/transport.ts";
/** Options for a communicator's constructor (used by `world()`, `split` and `dup`). */
export interface CommInit {
  /** The backend. */
  transport: Transport;
  /** Context id for point-to-point traffic; `context + 1` is used by collectives. */
  context: number;
  /** World rank of each member, in communicator rank order; omit for the world itself. */
  members?: readonly number[];
  /** True for the world and `self()`, which `free()` refuses. */
  predefined?: boolean;
}

/**
 * The point-to-point calls of a communicator; every {@linkcode Comm} is
 * one. Obtain the world with `world()`.
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * const comm = world();
 * if (comm.rank === 0) comm.send({ n: 42 }, 1 % comm.size, 7);
 * if (comm.rank === 1 % comm.size) console.log(comm.recv(0, 7)); // { n: 42 }
 * ```
 */
export class PointToPoint {
  /** This process's rank in the communicator. */
  readonly rank: number;
  /** Number of ranks in the communicator. */
  readonly size: number;
  /** @ignore The backend. */
  readonly transport: Transport;
  /** @ignore Context id of point-to-point traffic. */
  readonly context: number;
  readonly #members: readonly number[] | null;
  readonly #worldToLocal: Map<number, number> | null;
  #freed: string | null = null;
  /** @ignore True for the world and `self()` (MPI's predefined communicators). */
  readonly predefined: boolean;

  /** @ignore Communicators are created by `world()`, `split` and `dup`. */
  constructor(init: CommInit) {
    const t = init.transport;
    this.transport = t;
    this.context = init.context;
    this.predefined = init.predefined === true;
    if (init.members === undefined) {
      this.#members = null;
      this.#worldToLocal = null;
      this.rank = t.rank;
      this.size = t.size;
    } else {
      const members = init.members;
      this.#members = members;
      const back = new Map<number, number>();
      members.forEach((w, i) => back.set(w, i));
      this.#worldToLocal = back;
      this.rank = back.get(t.rank) ?? -1;
      this.size = members.length;
    }
  }

  /** @ignore Throws an SpmdError naming `call` once the communicator is freed. */
  checkLive(call: string): void {
    if (this.#freed !== null) throw new SpmdError(`${call}: ${this.#freed}`, "MPI_ERR_COMM");
  }

  /** @ignore Marks the communicator freed: every later call throws `${call}: ${why}`. */
  markFreed(why: string): void {
    this.#freed = why;
  }

  /** @ignore World rank of communicator rank `r` (wildcards and PROC_NULL pass through). */
  worldRank(r: number): number {
    return this.#members === null || r < 0 ? r : this.#members[r];
  }

  /** @ignore World ranks of the members, or null for the world itself. */
  get members(): readonly number[] | null {
    return this.#members;
  }

  /** @ignore Communicator rank of world rank `w`. */
  localRank(w: number): number {
    return this.#worldToLocal === null || w < 0 ? w : (this.#worldToLocal.get(w) ?? -1);
  }

  // ---- point-to-point (the logic is in _p2p.ts) ----------------------------------

  /**
   * Sends `value` to rank `dest` with `tag` (standard mode: returns once the
   * value is copied out; never waits for the matching receive unless the
   * ring to `dest` is full).
   */
  send(value: unknown, dest: number, tag = 0): void {
    this.checkLive("send");
    p2p.send(this, value, dest, tag);
  }

  /**
   * Receives a message and returns its value. `source` and `tag` may be
   * ANY_SOURCE / ANY_TAG; `status`, when given, is filled in.
   */
  recv<T = unknown>(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): T {
    this.checkLive("recv");
    return p2p.recv(this, source, tag, status) as T;
  }

  /**
   * Receives a typed-array message into `buffer` (its bytes are copied in;
   * the message may be shorter). Returns the message's {@linkcode Status}.
   * A larger message throws `TruncateError` and is consumed.
   */
  recvInto(buffer: ArrayBufferView, source: number = ANY_SOURCE, tag: number = ANY_TAG): Status {
    this.checkLive("recvInto");
    return p2p.recvInto(this, buffer, source, tag);
  }

  /**
   * Sends `value` to `dest` and receives from `source` at once, without
   * deadlock however large the messages; returns the received value.
   */
  sendrecv<T = unknown>(
    value: unknown,
    dest: number,
    sendTag = 0,
    source: number = ANY_SOURCE,
    recvTag: number = ANY_TAG,
    status?: Status,
  ): T {
    this.checkLive("sendrecv");
    return p2p.sendrecv(this, value, dest, sendTag, source, recvTag, status) as T;
  }

  /**
   * Starts a send and returns its {@linkcode Request}. A typed array is sent
   * from its own memory: do not modify it until the request completes.
   */
  isend(value: unknown, dest: number, tag = 0): Request<undefined> {
    this.checkLive("isend");
    return p2p.isend(this, value, dest, tag);
  }

  /** Starts a receive; `wait()` on the request returns the value. */
  irecv<T = unknown>(source: number = ANY_SOURCE, tag: number = ANY_TAG): Request<T> {
    this.checkLive("irecv");
    return p2p.irecv<T>(this, source, tag, null, "irecv");
  }

  /**
   * Starts a receive into `buffer` (a typed array). `wait()` returns
   * undefined; the status tells the source, tag and byte count.
   */
  irecvInto(buffer: ArrayBufferView, source: number = ANY_SOURCE, tag: number = ANY_TAG): Request<undefined> {
    this.checkLive("irecvInto");
    return p2p.irecv<undefined>(this, source, tag, buffer, "irecvInto");
  }

  /**
   * Synchronous send (MPI_Ssend): returns only once a receive on `dest`
   * has taken the message, so two ranks that `ssend` to each other before
   * receiving deadlock — the classic demonstration of what standard-mode
   * `send` hides by buffering.
   */
  ssend(value: unknown, dest: number, tag = 0): void {
    this.checkLive("ssend");
    ssend(this, value, dest, tag);
  }

  /** Starts a synchronous send (MPI_Issend): its {@linkcode Request} completes once a receive has taken the message. */
  issend(value: unknown, dest: number, tag = 0): Request<undefined> {
    this.checkLive("issend");
    return issend(this, value, dest, tag);
  }

  /**
   * Sends the contents of `buffer` (a typed array) to `dest` and receives a
   * typed-array message from `source` into the same buffer
   * (MPI_Sendrecv_replace); returns the received message's
   * {@linkcode Status}. A larger message throws `TruncateError`.
   */
  sendrecvReplace(
    buffer: ArrayBufferView,
    dest: number,
    sendTag = 0,
    source: number = ANY_SOURCE,
    recvTag: number = ANY_TAG,
  ): Status {
    this.checkLive("sendrecvReplace");
    return sendrecvReplace(this, buffer, dest, sendTag, source, recvTag);
  }

  /** Waits until a matching message can be received; returns its {@linkcode Status}. */
  probe(source: number = ANY_SOURCE, tag: number = ANY_TAG): Status {
    this.checkLive("probe");
    return p2p.probe(this, source, tag);
  }

  /** Returns the {@linkcode Status} of a matching message if one is there, else `null`. */
  iprobe(source: number = ANY_SOURCE, tag: number = ANY_TAG): Status | null {
    this.checkLive("iprobe");
    return p2p.iprobe(this, source, tag);
  }

  /**
   * Matched probe (MPI_Mprobe): waits for a matching message and returns it
   * as a {@linkcode Message}, taken out of matching so that no other receive
   * can take it; receive it with `message.recv()` or `message.irecv()`.
   */
  mprobe(source: number = ANY_SOURCE, tag: number = ANY_TAG): Message {
    this.checkLive("mprobe");
    return p2p.mprobe(this, source, tag);
  }

  /** Non-blocking matched probe (MPI_Improbe): the {@linkcode Message} if a matching one is there, else `null`. */
  improbe(source: number = ANY_SOURCE, tag: number = ANY_TAG): Message | null {
    this.checkLive("improbe");
    return p2p.improbe(this, source, tag);
  }

  /**
   * A typed array of `length` elements of `Type` (Float64Array, Int32Array,
   * ...) in memory every rank can read (MPI_Alloc_mem), 64-byte aligned; a
   * reused block keeps old contents. Sending one of 32 KiB or more copies it
   * once, by the receiver straight from this rank's memory. Limited per rank
   * (`--heap`, `spawn(..., { heapBytes })`, 1 GiB by default); return it
   * with `free`.
   */
  alloc<T extends ArrayBufferView>(Type: AllocType<T>, length: number): T {
    return alloc(this.transport, Type, length);
  }

  /** Returns an array that {@linkcode PointToPoint.alloc} gave (MPI_Free_mem); the array must not be used after. */
  free(array: ArrayBufferView): void {
    free(this.transport, array);
  }
}
