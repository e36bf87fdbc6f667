/**
 * What a rank's shared-memory endpoint (`ShmTransport`, shm_transport.ts) is made
 * from: the job's memory, its rank, and the bounds and tuning the launcher
 * passes on.
 *
 * @module
 */

/**
 * Default bound of a rank's unexpected-message queue (messages that arrived
 * before a matching receive was posted): 1 GiB of payload or 1,048,576
 * messages. Past it, the rank fails with an error naming the senders,
 * rather than growing until the process runs out of memory.
 */
export const UNEXPECTED_LIMIT_BYTES = 1024 * 1024 * 1024;
/** Default bound on the number of unexpected messages. */
export const UNEXPECTED_LIMIT_MESSAGES = 1 << 20;

/** Options of `ShmTransport` (shm_transport.ts). */
export interface ShmTransportOptions {
  /** The job's shared memory. */
  sab: SharedArrayBuffer;
  /** This rank. */
  rank: number;
  /** Polls before a wait goes to sleep (default: by cores and ranks). */
  spin?: number;
  /** `sched_yield` calls before a wait sleeps (default: 2000 when ranks outnumber cores and FFI is allowed, else 0). */
  yields?: number;
  /** Tells the launcher that this rank aborts the job (set by the worker bootstrap). */
  onAbort?: (code: number, message: string) => void;
  /** Bound of the unexpected queue in payload bytes (default {@linkcode UNEXPECTED_LIMIT_BYTES}). */
  unexpectedBytes?: number;
  /** Bound of the unexpected queue in messages (default {@linkcode UNEXPECTED_LIMIT_MESSAGES}). */
  unexpectedMessages?: number;
  /** Every rank's heap (heap.ts `createHeaps`); without them `alloc` uses a private heap and no send is single-copy. */
  heaps?: SharedArrayBuffer[];
  /** Copy payloads of 256 bytes or more by libc's memcpy through FFI (default: true, where FFI is allowed; _memcpy.ts). */
  memcpy?: boolean;
  /** This rank's trace buffer (trace.ts), when the job is traced. */
  trace?: SharedArrayBuffer;
}
