/**
 * Error classes thrown by spmd. Every error names the call that failed and
 * the value that was wrong, so a message alone tells the user what to fix.
 *
 * @module
 */

/**
 * Base class of every error that spmd throws on purpose. `code` names its
 * MPI error class.
 *
 * @example
 * ```ts
 * import { SpmdError, world } from "@spmd/spmd";
 * import { equal, ok } from "node:assert/strict";
 *
 * const comm = world();
 * try {
 *   comm.send("x", comm.size); // no such rank
 * } catch (e) {
 *   ok(e instanceof SpmdError);
 *   equal(e.code, "MPI_ERR_RANK");
 * }
 * ```
 */
export class SpmdError extends Error {
  /** MPI-style error class name, e.g. `"MPI_ERR_RANK"`. */
  readonly code: string;
  /** Creates an error with an MPI-style error class. */
  constructor(message: string, code = "MPI_ERR_OTHER") {
    super(message);
    this.name = "SpmdError";
    this.code = code;
  }
}

/**
 * Thrown by `recvInto` when the message is larger than the receive buffer
 * (MPI_ERR_TRUNCATE). The message has been consumed, as in MPI.
 *
 * @example
 * ```ts
 * import { TruncateError, world } from "@spmd/spmd";
 * import { equal, throws } from "node:assert/strict";
 *
 * const comm = world();
 * comm.send(new Float64Array(4), comm.rank, 40);
 * throws(() => comm.recvInto(new Float64Array(2), comm.rank, 40), TruncateError);
 * equal(comm.iprobe(comm.rank, 40), null); // consumed
 * ```
 */
export class TruncateError extends SpmdError {
  /** Creates a truncation error. */
  constructor(message: string) {
    super(message, "MPI_ERR_TRUNCATE");
    this.name = "TruncateError";
  }
}

/**
 * Thrown in every rank whose wait was interrupted because the job is being
 * stopped: another rank failed or called `abort`, or the job timed out. The
 * launcher does not report it as a failure of its own.
 *
 * @example
 * ```ts
 * import { AbortedError, SpmdError } from "@spmd/spmd";
 * import { equal, ok } from "node:assert/strict";
 *
 * const e = new AbortedError("recv: the job was stopped");
 * ok(e instanceof SpmdError);
 * equal(e.code, "MPI_ERR_ABORTED");
 * ```
 */
export class AbortedError extends SpmdError {
  /** Creates an abort notice. */
  constructor(message: string) {
    super(message, "MPI_ERR_ABORTED");
    this.name = "AbortedError";
  }
}

/** @ignore Thrown by `abort` in the rank that called it, to unwind its stack (the launcher is told apart). */
export class AbortSignalled extends Error {
  /** The abort code. */
  readonly code: number;
  /** Creates the unwinding signal. */
  constructor(code: number, message: string) {
    super(message);
    this.name = "AbortSignalled";
    this.code = code;
  }
}

/** @ignore True when `e` stops the job (an abort seen, or this rank's own `abort` unwinding): never a call's failure. */
export function isAbort(e: unknown): e is AbortedError | AbortSignalled {
  return e instanceof AbortedError || e instanceof AbortSignalled;
}

const UNNAMED = Symbol("spmd.unnamed");

/**
 * An error raised below a public call (in a backend) whose message does not
 * yet name the call; the call names it with {@linkcode nameCall} as it
 * passes it on.
 */
export function unnamedError(message: string, code: string): SpmdError {
  const e = new SpmdError(message, code);
  Error.captureStackTrace?.(e, unnamedError); // the stack starts where the backend raised it
  (e as unknown as Record<symbol, boolean>)[UNNAMED] = true;
  return e;
}

/** Prefixes an error from {@linkcode unnamedError} with `call` (once); returns `e` for rethrowing. */
export function nameCall(call: string, e: unknown): unknown {
  const r = e as Record<symbol, boolean> | null;
  if (r !== null && typeof r === "object" && r[UNNAMED] === true) {
    delete r[UNNAMED];
    const err = e as SpmdError;
    const old = err.message;
    const stack = err.stack; // formatted now, with the old message (V8 formats it lazily)
    err.message = `${call}: ${old}`;
    if (typeof stack === "string") err.stack = stack.replace(old, err.message);
  }
  return e;
}

/** Formats a value for an error message: short, unambiguous, never throws. */
export function describe(value: unknown): string {
  try {
    if (typeof value === "string") return JSON.stringify(value);
    if (typeof value === "bigint") return `${value}n`;
    if (typeof value === "function") {
      return `a function (${value.name || "anonymous"})`;
    }
    if (typeof value === "symbol") return value.toString();
    if (ArrayBuffer.isView(value)) {
      return `${value.constructor.name}(byteLength ${value.byteLength})`;
    }
    if (value === undefined) return "undefined";
    if (typeof value === "number") {
      return Object.is(value, -0) ? "-0" : String(value);
    }
    const s = Deno.inspect(value, { depth: 1, breakLength: Infinity });
    return s.length > 80 ? s.slice(0, 77) + "..." : s;
  } catch {
    return Object.prototype.toString.call(value);
  }
}
