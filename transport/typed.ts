/**
 * Typed arrays as data: their kind codes, element sizes, allocation and
 * byte views. Shared by the codec (which sends their bytes as they are) and
 * by the reduction ops (which combine them element by element).
 *
 * The kind codes are those of a message's frame header: typed kinds are
 * 1..{@linkcode KIND_TYPED_LAST}; the codec defines the others.
 *
 * @module
 */

import { SpmdError } from "../errors.ts";

/** Message kind code of an Int8Array. Typed kinds are 1..13. */
export const KIND_INT8 = 1;
/** Uint8Array. */
export const KIND_UINT8 = 2;
/** Uint8ClampedArray. */
export const KIND_UINT8C = 3;
/** Int16Array. */
export const KIND_INT16 = 4;
/** Uint16Array. */
export const KIND_UINT16 = 5;
/** Int32Array. */
export const KIND_INT32 = 6;
/** Uint32Array. */
export const KIND_UINT32 = 7;
/** Float32Array. */
export const KIND_FLOAT32 = 8;
/** Float64Array. */
export const KIND_FLOAT64 = 9;
/** BigInt64Array. */
export const KIND_BIGINT64 = 10;
/** BigUint64Array. */
export const KIND_BIGUINT64 = 11;
/** DataView. */
export const KIND_DATAVIEW = 12;
/** Float16Array, where the runtime has it. */
export const KIND_FLOAT16 = 13;
/** Last typed kind. */
export const KIND_TYPED_LAST = 13;

/**
 * A typed array of numbers or bigints.
 *
 * @example
 * ```ts
 * import { type NumericArray, world } from "@spmd/spmd";
 * import { deepEqual } from "node:assert/strict";
 *
 * const data: NumericArray = new BigInt64Array([1n, 2n]);
 * deepEqual(world().allreduce(data), new BigInt64Array([1n, 2n]).map((x) => x * BigInt(world().size)));
 * ```
 */
export type NumericArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** A typed-array constructor. */
export type TypedArrayCtor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

// deno-lint-ignore no-explicit-any
const Float16: any = (globalThis as any).Float16Array;

/** Constructors by kind code; index 12 (DataView) is handled apart. */
const CTORS: (TypedArrayCtor | undefined)[] = [
  undefined,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  undefined,
  Float16,
];

/** True when `c` is one of the built-in typed-array constructors (not DataView, not a subclass). */
export function isTypedArrayCtor(c: unknown): boolean {
  return c !== undefined && CTORS.includes(c as TypedArrayCtor);
}

/** The built-in constructor of typed kind `kind` (never a subclass), or null for DataView and unknown kinds. */
export function typedCtor(kind: number): TypedArrayCtor | null {
  return (kind >= 1 && kind <= KIND_TYPED_LAST ? CTORS[kind] : undefined) ?? null;
}

/** Bytes per element by kind code. */
export const ELEMENT_BYTES: readonly number[] = [
  0,
  1,
  1,
  1,
  2,
  2,
  4,
  4,
  4,
  8,
  8,
  8,
  1,
  2,
];

/** True for a typed array (not a DataView). */
export function isNumericArray(v: unknown): v is NumericArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/**
 * The element count of `v`, from its byteLength (NaN for a DataView): V8
 * 15.0's Maglev compiles a comparison of a typed array's `length` of 2^31 or
 * more as a negative int32, and a loop to it ran no iteration.
 */
export function elementCount(v: NumericArray): number {
  return v.byteLength / v.BYTES_PER_ELEMENT;
}

/** Kind code of a typed array or DataView, or 0 when `v` is neither. */
export function typedKind(v: unknown): number {
  if (!ArrayBuffer.isView(v)) return 0;
  const c = v.constructor;
  switch (c) {
    case Float64Array:
      return KIND_FLOAT64;
    case Uint8Array:
      return KIND_UINT8;
    case Int32Array:
      return KIND_INT32;
    case Float32Array:
      return KIND_FLOAT32;
    case Int8Array:
      return KIND_INT8;
    case Uint8ClampedArray:
      return KIND_UINT8C;
    case Int16Array:
      return KIND_INT16;
    case Uint16Array:
      return KIND_UINT16;
    case Uint32Array:
      return KIND_UINT32;
    case BigInt64Array:
      return KIND_BIGINT64;
    case BigUint64Array:
      return KIND_BIGUINT64;
    case DataView:
      return KIND_DATAVIEW;
  }
  if (Float16 !== undefined && c === Float16) return KIND_FLOAT16;
  // A subclass of a typed array (or Node's Buffer) travels as its base type.
  for (let k = 1; k <= KIND_TYPED_LAST; k++) {
    const ctor = k === KIND_DATAVIEW ? DataView : CTORS[k];
    if (ctor !== undefined && v instanceof ctor) return k;
  }
  return 0;
}

/** Name of typed kind `kind` ("Float64Array", "DataView"), or null when it is not a typed kind this runtime has. */
export function typedName(kind: number): string | null {
  if (kind === KIND_DATAVIEW) return "DataView";
  return (kind >= 1 && kind <= KIND_TYPED_LAST ? CTORS[kind]?.name : undefined) ?? null;
}

/** Allocates the value a typed message of `bytes` bytes decodes to. */
export function allocTyped(kind: number, bytes: number): ArrayBufferView {
  if (kind === KIND_DATAVIEW) return new DataView(new ArrayBuffer(bytes));
  const ctor = CTORS[kind];
  if (ctor === undefined) {
    throw new SpmdError(
      `recv: message of unknown kind ${kind}`,
      "MPI_ERR_INTERN",
    );
  }
  const size = ELEMENT_BYTES[kind];
  if (bytes % size !== 0) {
    throw new SpmdError(
      `recv: a ${ctor.name} message of ${bytes} bytes is not a whole number of elements`,
      "MPI_ERR_INTERN",
    );
  }
  return new ctor(bytes / size);
}

/** A byte view of any typed array or DataView. */
export function bytesOf(v: ArrayBufferView): Uint8Array {
  return v instanceof Uint8Array && v.constructor === Uint8Array
    ? v
    : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** True for the kinds of typed arrays and DataView (payload bytes are the array's bytes). */
export function isTypedKind(kind: number): boolean {
  return kind >= 1 && kind <= KIND_TYPED_LAST;
}

/** True for the kinds of integer typed arrays (bitwise ops apply to them). */
export function isIntegerKind(kind: number): boolean {
  return (kind >= KIND_INT8 && kind <= KIND_UINT32) || kind === KIND_BIGINT64 || kind === KIND_BIGUINT64;
}
