// Argument checks shared by the public calls. Every failure names the call
// and the bad value.

import { ANY_SOURCE, ANY_TAG, PROC_NULL, TAG_UB } from "./constants.ts";
import { describe, SpmdError } from "./errors.ts";
import { checkAttached } from "./transport/codec.ts";

/** Throws unless `dest` is a rank of a communicator of `size` ranks, or PROC_NULL. */
export function checkDest(call: string, dest: unknown, size: number): void {
  if (
    typeof dest !== "number" || !Number.isInteger(dest) || dest < PROC_NULL ||
    dest >= size
  ) {
    throw new SpmdError(
      `${call}: dest must be an integer rank in 0..${size - 1} (or PROC_NULL), got ${describe(dest)}`,
      "MPI_ERR_RANK",
    );
  }
}

/** Throws unless `source` is a rank, ANY_SOURCE or PROC_NULL. */
export function checkSource(call: string, source: unknown, size: number): void {
  if (
    typeof source !== "number" || !Number.isInteger(source) ||
    source < ANY_SOURCE || source >= size
  ) {
    throw new SpmdError(
      `${call}: source must be an integer rank in 0..${size - 1} (or ANY_SOURCE, PROC_NULL), got ${describe(source)}`,
      "MPI_ERR_RANK",
    );
  }
}

/** Throws unless `tag` is a valid send tag (0..TAG_UB). */
export function checkSendTag(call: string, tag: unknown): void {
  if (
    typeof tag !== "number" || !Number.isInteger(tag) || tag < 0 || tag > TAG_UB
  ) {
    throw new SpmdError(
      `${call}: tag must be an integer in 0..${TAG_UB}, got ${describe(tag)}`,
      "MPI_ERR_TAG",
    );
  }
}

/** Throws unless `tag` is a valid receive tag (0..TAG_UB or ANY_TAG). */
export function checkRecvTag(call: string, tag: unknown): void {
  if (
    typeof tag !== "number" || !Number.isInteger(tag) || tag < ANY_TAG ||
    tag > TAG_UB
  ) {
    throw new SpmdError(
      `${call}: tag must be an integer in 0..${TAG_UB} or ANY_TAG, got ${describe(tag)}`,
      "MPI_ERR_TAG",
    );
  }
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
  if (!ArrayBuffer.isView(buf)) {
    throw new SpmdError(
      `${call}: buffer must be a typed array or DataView, got ${describe(buf)}`,
      "MPI_ERR_BUFFER",
    );
  }
  checkAttached(call, buf);
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
  if (ArrayBuffer.isView(value)) checkAttached(call, value);
  else if (value instanceof ArrayBuffer && value.detached) {
    throw new SpmdError(
      `${call}: cannot send a detached ArrayBuffer (it was transferred or resized away)`,
      "MPI_ERR_BUFFER",
    );
  }
}
