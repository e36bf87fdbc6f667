/**
 * The interface between communicators and a backend.
 *
 * A {@linkcode Transport} moves values between world ranks with MPI
 * matching on (source, tag, context). Communicators translate their own
 * rank numbers to world ranks and pick the context; collectives are built on
 * communicators. The shared-memory backend (`shm_transport.ts`) implements
 * this today; a backend over a real MPI library through Deno FFI implements
 * the same calls (context ↔ MPI communicator, kind + bytes ↔ MPI_BYTE
 * messages with a small header).
 *
 * Every call that may block passes {@linkcode Transport.enter} (with a code
 * from `calls.ts`) and
 * {@linkcode Transport.leave}: the one place where what a rank is doing is
 * recorded (for failure reports today, for a timeline trace later).
 *
 * @module
 */

import type { Status } from "../status.ts";

/** An operation in flight (a send or a receive). Opaque outside the backend. */
export interface PendingOp {
  /** True once the operation has completed. */
  readonly done: boolean;
}

/**
 * A message that will never be received, or a receive that was started and
 * never completed (`bytes` −1 when it matched nothing), found when a rank
 * finalizes.
 */
export interface Leftover {
  /** Sender (world rank). */
  source: number;
  /** Receiver (world rank). */
  dest: number;
  /** Tag. */
  tag: number;
  /** Context id (odd: a collective's traffic). */
  context: number;
  /** Payload size in bytes; −1 for a receive that was started and matched no message. */
  bytes: number;
  /** False when only part of the payload had moved. */
  whole: boolean;
}

/** A backend that carries messages between the ranks of one job. */
export interface Transport {
  /** This rank in the world. */
  readonly rank: number;
  /** Number of ranks in the world. */
  readonly size: number;
  /** True once the job has ended for this rank; every call then throws. */
  readonly closed: boolean;

  /** Blocking standard-mode send: returns once the value is copied out (the receiver may not have it yet). */
  send(
    value: unknown,
    dest: number,
    tag: number,
    context: number,
    call: string,
  ): void;
  /** Starts a send. Typed-array values must not be modified until the op completes. */
  isend(
    value: unknown,
    dest: number,
    tag: number,
    context: number,
    call: string,
  ): PendingOp;
  /** Blocking receive; fills `status` (with the world source) when given. */
  recv(
    source: number,
    tag: number,
    context: number,
    status: Status | null,
    call: string,
  ): unknown;
  /** Blocking receive into `into`; throws TruncateError if the message is larger. */
  recvInto(
    into: ArrayBufferView,
    source: number,
    tag: number,
    context: number,
    status: Status | null,
    call: string,
  ): void;
  /** Starts a receive (into `into` when given). */
  irecv(
    source: number,
    tag: number,
    context: number,
    into: ArrayBufferView | null,
    call: string,
  ): PendingOp;
  /** Makes progress and reports whether `op` has completed (throws its error if it failed). */
  test(op: PendingOp): boolean;
  /** Waits for `op`; returns the received value for a receive, undefined for a send. */
  wait(op: PendingOp, status: Status | null): unknown;
  /** Non-blocking probe; fills `status` and returns true when a matching message is there. */
  iprobe(source: number, tag: number, context: number, status: Status): boolean;
  /** Blocking probe. */
  probe(source: number, tag: number, context: number, status: Status): void;
  /** Stops the whole job with `code`; never returns. */
  abort(code: number, message: string): never;
  /** Records that an spmd call starts (only the outermost call is kept). */
  enter(call: number, peer: number, tag: number, context: number): void;
  /** Records that the call recorded by the matching `enter` has returned. */
  leave(): void;
  /**
   * Completes every pending send whose receiver still runs; after it the
   * transport is closed. Returns the messages that will never be received.
   */
  finalize(exit?: boolean): Leftover[];
}
