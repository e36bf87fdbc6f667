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
import * as p2p from "./_p2p.ts";
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
 * import { deepEqual } from "node:assert/strict";
 *
 * const comm = world();
 * const next = (comm.rank + 1) % comm.size;
 * const prev = (comm.rank - 1 + comm.size) % comm.size;
 * comm.send({ from: comm.rank }, next, 7);
 * deepEqual(comm.recv(prev, 7), { from: prev });
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
   *
   * @param value Any structured-cloneable value; a bare typed array takes the fast path.
   * @param dest The receiving rank, or `PROC_NULL` (then nothing is sent).
   * @param tag The message's tag, 0..`TAG_UB` (default 0).
   * @throws {SpmdError} `MPI_ERR_RANK` if `dest` is not a rank or `PROC_NULL`; `MPI_ERR_TAG` if `tag` is not in 0..`TAG_UB`; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const next = (comm.rank + 1) % comm.size;
   * const prev = (comm.rank - 1 + comm.size) % comm.size;
   * comm.send(`hello from ${comm.rank}`, next, 1);
   * equal(comm.recv(prev, 1), `hello from ${prev}`);
   * ```
   */
  send(value: unknown, dest: number, tag = 0): void {
    this.checkLive("send");
    p2p.send(this, value, dest, tag);
  }

  /**
   * Receives a message and returns its value. `source` and `tag` may be
   * ANY_SOURCE / ANY_TAG; `status`, when given, is filled in.
   *
   * @param source The sending rank, `ANY_SOURCE` (default) or `PROC_NULL`.
   * @param tag The tag to match, or `ANY_TAG` (default).
   * @param status A {@linkcode Status} to fill with the message's source, tag and size.
   * @returns The message's value (`undefined` from `PROC_NULL`).
   * @throws {SpmdError} `MPI_ERR_RANK` if `source` is not a rank, `ANY_SOURCE` or `PROC_NULL`; `MPI_ERR_TAG` if `tag` is not a tag or `ANY_TAG`; `MPI_ERR_COMM` if the communicator was freed. `MPI_ERR_ARG` if `status` is not a Status.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { ANY_SOURCE, ANY_TAG, Status, world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const st = new Status();
   * comm.send("to myself", comm.rank, 3);
   * equal(comm.recv(ANY_SOURCE, ANY_TAG, st), "to myself");
   * equal(st.source, comm.rank);
   * equal(st.tag, 3);
   * ```
   */
  recv<T = unknown>(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): T {
    this.checkLive("recv");
    return p2p.recv(this, source, tag, status) as T;
  }

  /**
   * Receives a typed-array message into `buffer` (its bytes are copied in;
   * the message may be shorter). Returns the message's {@linkcode Status}:
   * `status` when one is given (filled in, as mpi4py's `Recv(buf, source,
   * tag, status)`; a loop that passes one allocates nothing per message),
   * else a new one. A larger message throws `TruncateError` and is consumed.
   *
   * @param buffer The typed array (or DataView) to receive into.
   * @param source The sending rank, `ANY_SOURCE` (default) or `PROC_NULL`.
   * @param tag The tag to match, or `ANY_TAG` (default).
   * @param status A Status to fill in and return (optional).
   * @returns The message's status (`count(Type)` gives its length).
   * @throws {TruncateError} `MPI_ERR_TRUNCATE` if the message is larger than `buffer` (it is consumed).
   * @throws {SpmdError} `MPI_ERR_BUFFER` if `buffer` is not a typed array or DataView; `MPI_ERR_TYPE` if the message is not a typed array (it is consumed); `MPI_ERR_RANK`, `MPI_ERR_TAG` for a bad source or tag; `MPI_ERR_ARG` if `status` is not a Status; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { Status, world } from "@spmd/spmd";
   * import { deepEqual, equal } from "node:assert/strict";
   *
   * const comm = world();
   * comm.send(new Float64Array([1, 2, 3]), comm.rank, 1);
   * const buf = new Float64Array(4);
   * const st = comm.recvInto(buf, comm.rank, 1);
   * equal(st.count(Float64Array), 3);
   * deepEqual(buf, new Float64Array([1, 2, 3, 0]));
   *
   * const status = new Status(); // filled by every receive that is given it
   * comm.send(new Float64Array([4]), comm.rank, 2);
   * equal(comm.recvInto(buf, comm.rank, 2, status), status);
   * equal(status.count(Float64Array), 1);
   * ```
   */
  recvInto(buffer: ArrayBufferView, source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Status {
    this.checkLive("recvInto");
    return p2p.recvInto(this, buffer, source, tag, status);
  }

  /**
   * Sends `value` to `dest` and receives from `source` at once, without
   * deadlock however large the messages; returns the received value.
   *
   * @param value What to send (any structured-cloneable value).
   * @param dest The receiving rank, or `PROC_NULL`.
   * @param sendTag The sent message's tag (default 0).
   * @param source The sending rank, `ANY_SOURCE` (default) or `PROC_NULL`.
   * @param recvTag The tag to receive, or `ANY_TAG` (default).
   * @param status A {@linkcode Status} to fill for the received message.
   * @returns The received value.
   * @throws {SpmdError} `MPI_ERR_RANK` for a bad `dest` or `source`; `MPI_ERR_TAG` for a bad tag; `MPI_ERR_ARG` if `status` is not a Status; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const next = (comm.rank + 1) % comm.size;
   * const prev = (comm.rank - 1 + comm.size) % comm.size;
   * // Every rank passes its rank one step around the ring.
   * equal(comm.sendrecv(comm.rank, next, 0, prev, 0), prev);
   * ```
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
   *
   * @param value Any structured-cloneable value.
   * @param dest The receiving rank, or `PROC_NULL` (then nothing is sent).
   * @param tag The message's tag, 0..`TAG_UB` (default 0).
   * @returns The send's request; `wait()` returns `undefined`.
   * @throws {SpmdError} `MPI_ERR_RANK` if `dest` is not a rank or `PROC_NULL`; `MPI_ERR_TAG` if `tag` is not in 0..`TAG_UB`; `MPI_ERR_COMM` if the communicator was freed.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const next = (comm.rank + 1) % comm.size;
   * const prev = (comm.rank - 1 + comm.size) % comm.size;
   * const req = comm.isend([1, 2, 3], next, 4);
   * deepEqual(comm.recv(prev, 4), [1, 2, 3]);
   * req.wait();
   * ```
   */
  isend(value: unknown, dest: number, tag = 0): Request<undefined> {
    this.checkLive("isend");
    return p2p.isend(this, value, dest, tag);
  }

  /**
   * Starts a receive; `wait()` on the request returns the value.
   *
   * @param source The sending rank, `ANY_SOURCE` (default) or `PROC_NULL`.
   * @param tag The tag to match, or `ANY_TAG` (default).
   * @returns The receive's request; `wait()` (or `await`) returns the value.
   * @throws {SpmdError} `MPI_ERR_RANK` if `source` is not a rank, `ANY_SOURCE` or `PROC_NULL`; `MPI_ERR_TAG` if `tag` is not a tag or `ANY_TAG`; `MPI_ERR_COMM` if the communicator was freed.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const next = (comm.rank + 1) % comm.size;
   * const prev = (comm.rank - 1 + comm.size) % comm.size;
   * const req = comm.irecv<string>(prev, 5);
   * comm.send(`from ${comm.rank}`, next, 5);
   * equal(req.wait(), `from ${prev}`);
   * ```
   */
  irecv<T = unknown>(source: number = ANY_SOURCE, tag: number = ANY_TAG): Request<T> {
    this.checkLive("irecv");
    return p2p.irecv<T>(this, source, tag, null, "irecv");
  }

  /**
   * Starts a receive into `buffer` (a typed array). `wait()` returns
   * undefined; the status tells the source, tag and byte count.
   *
   * @param buffer The typed array (or DataView) to receive into; do not touch it until the request completes.
   * @param source The sending rank, `ANY_SOURCE` (default) or `PROC_NULL`.
   * @param tag The tag to match, or `ANY_TAG` (default).
   * @returns The receive's request; its `wait()` throws `TruncateError` (`MPI_ERR_TRUNCATE`) if the message is larger than `buffer`.
   * @throws {SpmdError} `MPI_ERR_BUFFER` if `buffer` is not a typed array or DataView; `MPI_ERR_RANK`, `MPI_ERR_TAG` for a bad source or tag; `MPI_ERR_COMM` if the communicator was freed.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const next = (comm.rank + 1) % comm.size;
   * const prev = (comm.rank - 1 + comm.size) % comm.size;
   * const buf = new Int32Array(2);
   * const req = comm.irecvInto(buf, prev, 6);
   * comm.send(new Int32Array([comm.rank, 1]), next, 6);
   * req.wait();
   * deepEqual(buf, new Int32Array([prev, 1]));
   * ```
   */
  irecvInto(buffer: ArrayBufferView, source: number = ANY_SOURCE, tag: number = ANY_TAG): Request<undefined> {
    this.checkLive("irecvInto");
    return p2p.irecv<undefined>(this, source, tag, buffer, "irecvInto");
  }

  /**
   * A typed array of `length` elements of `Type` (Float64Array, Int32Array,
   * ...) in memory every rank can read (MPI_Alloc_mem), 64-byte aligned; a
   * reused block keeps old contents. Sending one of 32 KiB or more copies it
   * once, by the receiver straight from this rank's memory. Limited per rank
   * (`--heap`, `spawn(..., { heapBytes })`, 1 GiB by default); return it
   * with `free`.
   *
   * @param Type A typed-array constructor.
   * @param length The number of elements.
   * @returns A new array of `Type` in send-ready memory.
   * @throws {SpmdError} `MPI_ERR_ARG` if `Type` is not a typed-array constructor or `length` not a non-negative integer; `MPI_ERR_NO_MEM` if the rank's heap has no room.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const next = (comm.rank + 1) % comm.size;
   * const prev = (comm.rank - 1 + comm.size) % comm.size;
   * const a = comm.alloc(Float64Array, 8).fill(comm.rank);
   * comm.send(a, next, 13);
   * deepEqual(comm.recv(prev, 13), new Float64Array(8).fill(prev));
   * comm.free(a);
   * ```
   */
  alloc<T extends ArrayBufferView>(Type: AllocType<T>, length: number): T {
    return alloc(this.transport, Type, length);
  }

  /**
   * Returns an array that {@linkcode PointToPoint.alloc} gave (MPI_Free_mem); the array must not be used after.
   *
   * @param array The very array that `alloc` returned.
   * @throws {SpmdError} `MPI_ERR_ARG` if `array` is not a typed array; `MPI_ERR_BUFFER` if it is not an array
   * `alloc` returned, was freed already, or a send from it is still in flight.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const scratch = comm.alloc(Int32Array, 1024);
   * equal(scratch.length, 1024);
   * comm.free(scratch);
   * ```
   */
  free(array: ArrayBufferView): void {
    free(this.transport, array);
  }
}
