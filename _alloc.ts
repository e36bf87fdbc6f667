// `comm.alloc` and `comm.free` (MPI_Alloc_mem / MPI_Free_mem): argument
// checks and the typed array laid over the backend's memory. `Comm`'s
// methods delegate here.

import { describe, nameCall, SpmdError } from "./errors.ts";
import type { Transport } from "./transport/transport.ts";
import { isTypedArrayCtor } from "./transport/typed.ts";

/**
 * The backend's view of the block behind each array `alloc` returned. `free`
 * hands the backend that view, which it accepts exactly once; any other
 * array (a subarray, another view of the same memory, an ordinary array)
 * reaches the backend as itself, and the backend says why it refuses it.
 * Entries stay after `free` (and go with their array), so a second `free`
 * of an array is refused as one.
 */
const blocks = new WeakMap<ArrayBufferView, Uint8Array>();

/**
 * A typed-array constructor that `alloc` accepts.
 *
 * @example
 * ```ts
 * import { type AllocType, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * const Type: AllocType<Float32Array> = Float32Array;
 * const a = comm.alloc(Type, 4);
 * equal(a.length, 4);
 * comm.free(a);
 * ```
 */
export type AllocType<T extends ArrayBufferView> = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
};

/** Allocates a typed array of `length` elements of `Type` in the backend's send-ready memory. */
export function alloc<T extends ArrayBufferView>(t: Transport, Type: AllocType<T>, length: number): T {
  if (!isTypedArrayCtor(Type)) {
    throw new SpmdError(
      `alloc: Type must be a typed-array constructor (Float64Array, Int32Array, Uint8Array, ...), got ${
        describe(Type)
      }`,
      "MPI_ERR_ARG",
    );
  }
  if (typeof length !== "number" || !Number.isSafeInteger(length) || length < 0) {
    throw new SpmdError(
      `alloc: length must be a non-negative integer number of elements, got ${describe(length)}`,
      "MPI_ERR_ARG",
    );
  }
  let u8: Uint8Array;
  try {
    u8 = t.alloc(length * Type.BYTES_PER_ELEMENT);
  } catch (e) {
    throw nameCall(`alloc(${Type.name}, ${length})`, e);
  }
  const array = new Type(u8.buffer, u8.byteOffset, length);
  blocks.set(array, u8);
  return array;
}

/** Frees an array that `alloc` returned (that very array: not a subarray or another view of it), once. */
export function free(t: Transport, array: unknown): void {
  if (!ArrayBuffer.isView(array)) {
    throw new SpmdError(`free: array must be a typed array that alloc returned, got ${describe(array)}`, "MPI_ERR_ARG");
  }
  try {
    t.free(blocks.get(array) ?? array);
  } catch (e) {
    throw nameCall("free", e);
  }
}
