// Argument checks shared by the public calls. Every failure names the call
// and the bad value.

import { ANY_SOURCE, ANY_TAG, IN_PLACE, PROC_NULL, TAG_UB } from "./constants.ts";
import { describe, SpmdError } from "./errors.ts";
import { Status } from "./status.ts";
import { checkAttached, detachedWhy } from "./transport/codec.ts";

/** Throws unless `dest` is a rank of a communicator of `size` ranks, or PROC_NULL. */
export function checkDest(call: string, dest: unknown, size: number): void {
  // Small enough to inline into every send (V8 counts an inlined function's whole bytecode against one budget
  // per compiled function): the message is built out of line. `(x | 0) === x` is an integer in int32 range.
  if (typeof dest !== "number" || (dest | 0) !== dest || dest < PROC_NULL || dest >= size) badDest(call, dest, size);
}

/** Throws unless `source` is a rank, ANY_SOURCE or PROC_NULL. */
export function checkSource(call: string, source: unknown, size: number): void {
  if (typeof source !== "number" || (source | 0) !== source || source < ANY_SOURCE || source >= size) {
    badSource(call, source, size);
  }
}

/** Throws unless `tag` is a valid send tag (0..TAG_UB). */
export function checkSendTag(call: string, tag: unknown): void {
  if (typeof tag !== "number" || (tag | 0) !== tag || tag < 0 || tag > TAG_UB) badTag(call, tag, "");
}

/** Throws unless `tag` is a valid receive tag (0..TAG_UB or ANY_TAG). */
export function checkRecvTag(call: string, tag: unknown): void {
  if (typeof tag !== "number" || (tag | 0) !== tag || tag < ANY_TAG || tag > TAG_UB) badTag(call, tag, " or ANY_TAG");
}

function badDest(call: string, dest: unknown, size: number): never {
  throw new SpmdError(
    `${call}: dest must be an integer rank in 0..${size - 1} (or PROC_NULL), got ${describe(dest)}`,
    "MPI_ERR_RANK",
  );
}

function badSource(call: string, source: unknown, size: number): never {
  throw new SpmdError(
    `${call}: source must be an integer rank in 0..${size - 1} (or ANY_SOURCE, PROC_NULL), got ${describe(source)}`,
    "MPI_ERR_RANK",
  );
}

function badTag(call: string, tag: unknown, orAny: string): never {
  throw new SpmdError(`${call}: tag must be an integer in 0..${TAG_UB}${orAny}, got ${describe(tag)}`, "MPI_ERR_TAG");
}

/** Throws unless `root` is a rank of the communicator. */
export function checkRoot(call: string, root: unknown, size: number): void {
  if (
    typeof root !== "number" || !Number.isInteger(root) || root < 0 ||
    root >= size
  ) {
    throw new SpmdError(
      `${call}: root must be an integer rank in 0..${size - 1}, got ${describe(root)}`,
      "MPI_ERR_ROOT",
    );
  }
}

/** Throws unless `buf` is a typed array or DataView whose memory is still attached. */
export function checkBuffer(call: string, buf: unknown): void {
  if (!ArrayBuffer.isView(buf)) badBuffer(call, buf);
  checkAttached(call, buf);
}

function badBuffer(call: string, buf: unknown): never {
  throw new SpmdError(`${call}: buffer must be a typed array or DataView, got ${describe(buf)}`, "MPI_ERR_BUFFER");
}

/**
 * Throws when `value` (or, with `each`, an element of the array `value`) is
 * a typed array or ArrayBuffer whose memory was transferred away.
 */
export function checkNotDetached(call: string, value: unknown, each = false): void {
  if (each && Array.isArray(value)) {
    for (const v of value) checkNotDetached(call, v);
    return;
  }
  const gone = detachedWhy(value);
  if (gone !== null) throw new SpmdError(`${call}: ${gone}`, "MPI_ERR_BUFFER");
}

/** Throws unless `values` is an array of one value per rank (`size`); also refuses detached buffers among them. */
export function checkPerRank<T>(call: string, values: unknown, size: number): readonly T[] {
  if (!Array.isArray(values) || values.length !== size) {
    const who = call === "scatter" ? "the root must pass" : "values must be";
    throw new SpmdError(
      `${call}: ${who} an array of ${size} values (one per rank), got ${describe(values)}`,
      "MPI_ERR_COUNT",
    );
  }
  checkNotDetached(call, values, true);
  return values as T[];
}

/** Throws unless `color` and `key` are valid for `split` (`undefinedColor` is UNDEFINED). */
export function checkSplit(color: unknown, key: unknown, undefinedColor: number): void {
  if (typeof color !== "number" || !Number.isInteger(color) || (color < 0 && color !== undefinedColor)) {
    throw new SpmdError(
      `split: color must be a non-negative integer or UNDEFINED, got ${describe(color)}`,
      "MPI_ERR_ARG",
    );
  }
  if (typeof key !== "number" || !Number.isInteger(key)) {
    throw new SpmdError(`split: key must be an integer, got ${describe(key)}`, "MPI_ERR_ARG");
  }
}

/** Throws unless `code` is an exit code for `abort` (0..255). */
export function checkAbortCode(code: unknown): void {
  if (typeof code !== "number" || !Number.isInteger(code) || code < 0 || code > 255) {
    throw new SpmdError(`abort: code must be an integer in 0..255, got ${describe(code)}`, "MPI_ERR_ARG");
  }
}

/** Throws unless `status` is undefined, null or a Status. */
export function checkStatus(call: string, status: unknown): void {
  if (status !== undefined && status !== null && !(status instanceof Status)) badStatus(call, status);
}

function badStatus(call: string, status: unknown): never {
  throw new SpmdError(`${call}: status must be a Status, got ${describe(status)}`, "MPI_ERR_ARG");
}

/**
 * Why `v` cannot be the array `name` of a buffer call (a typed array, not
 * a DataView, whose memory is attached), or null. `inPlace` tells whether
 * IN_PLACE would be allowed there (then `v` is not IN_PLACE: the caller
 * checks that first).
 */
export function arrayMisfit(name: string, v: unknown, inPlace: boolean): string | null {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    // A typed array with bytes is attached (a detached one has none): no `.buffer` look-up on the hot path.
    return (v as Uint8Array).byteLength !== 0 ? null : detachedWhy(v);
  }
  if (v === IN_PLACE) return `${name} cannot be IN_PLACE in this call, got IN_PLACE`;
  return `${name} must be a typed array${inPlace ? " or IN_PLACE" : ""} (not a DataView), got ${describe(v)}`;
}

/** True when typed arrays `a` and `b` share some bytes (a buffer call's send and recv must not: pass IN_PLACE). */
export function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && a.byteLength > 0 && b.byteLength > 0 && a.byteOffset < b.byteOffset + b.byteLength &&
    b.byteOffset < a.byteOffset + a.byteLength;
}
