/**
 * How a value becomes the bytes of a message, and back.
 *
 * A bare typed array or DataView takes the fast path: its bytes go into the
 * ring as they are, and the receiver allocates the same type and copies them
 * out once. Numbers, strings, booleans, `null` and `undefined` have compact
 * kinds of their own. Everything else goes through V8's structured-clone
 * serializer (`node:v8`), which handles Map, Set, Date, BigInt, nested typed
 * arrays and cycles, and rejects functions and symbols.
 *
 * @module
 */

import { deserialize, serialize } from "node:v8";
import { describe, SpmdError } from "../errors.ts";
import { bytesOf, isTypedKind, typedKind, typedName } from "./typed.ts";

// Message kind codes (word 4 of a frame header). Typed kinds are 1..13
// (KIND_INT8 ... KIND_TYPED_LAST in typed.ts); these are the others.

/** A number, as one float64. */
export const KIND_NUMBER = 20;
/** A string, as UTF-8. */
export const KIND_STRING = 21;
/** `true` (no payload). */
export const KIND_TRUE = 22;
/** `false` (no payload). */
export const KIND_FALSE = 23;
/** `null` (no payload). */
export const KIND_NULL = 24;
/** `undefined` (no payload). */
export const KIND_UNDEFINED = 25;
/** Anything else, as V8 structured-clone bytes. */
export const KIND_STRUCTURED = 26;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);

/** The result of encoding: a kind code and the payload bytes. */
export interface Encoded {
  /** Kind code. */
  kind: number;
  /** Payload bytes (may view the caller's memory for typed arrays). */
  bytes: Uint8Array;
}

/**
 * Encodes any structured-cloneable value. `call` names the public call for
 * error messages. Typed arrays are not copied: the result views them.
 */
export function encode(value: unknown, call: string): Encoded {
  const k = typedKind(value);
  if (k !== 0) {
    checkAttached(call, value as ArrayBufferView);
    return { kind: k, bytes: bytesOf(value as ArrayBufferView) };
  }
  switch (typeof value) {
    case "number":
      return {
        kind: KIND_NUMBER,
        bytes: new Uint8Array(new Float64Array([value]).buffer),
      };
    case "string":
      // UTF-8 cannot carry lone surrogates: such strings go through the
      // structured-clone path, which keeps UTF-16 as it is.
      if (value.isWellFormed()) return { kind: KIND_STRING, bytes: encoder.encode(value) };
      break;
    case "boolean":
      return { kind: value ? KIND_TRUE : KIND_FALSE, bytes: EMPTY };
    case "undefined":
      return { kind: KIND_UNDEFINED, bytes: EMPTY };
    case "function":
    case "symbol":
      throw new SpmdError(
        `${call}: cannot send ${describe(value)}: functions and symbols cannot be cloned`,
        "MPI_ERR_TYPE",
      );
  }
  if (value === null) return { kind: KIND_NULL, bytes: EMPTY };
  const gone = detachedWhy(value);
  if (gone !== null) throw new SpmdError(`${call}: ${gone}`, "MPI_ERR_BUFFER");
  let bytes: Uint8Array;
  try {
    bytes = serialize(value);
  } catch (e) {
    throw new SpmdError(
      `${call}: cannot send ${describe(value)}: ${(e as Error).message} (values must be structured-cloneable)`,
      "MPI_ERR_TYPE",
    );
  }
  return { kind: KIND_STRUCTURED, bytes };
}

/**
 * Throws an error naming `call` when `view`'s buffer is detached (a
 * transferred ArrayBuffer): its bytes are gone, and reading it would
 * otherwise fail with a bare TypeError or send an empty array.
 */
export function checkAttached(call: string, view: ArrayBufferView): void {
  // A typed array with bytes is attached (on a detached buffer it has none; a DataView's byteLength would
  // throw): no `.buffer` look-up on the hot path.
  if (!(view instanceof DataView) && view.byteLength !== 0) return;
  if ((view.buffer as ArrayBuffer).detached === true) detachedError(call, view);
}

function detachedError(call: string, view: ArrayBufferView): never {
  throw new SpmdError(`${call}: ${detachedWhy(view)}`, "MPI_ERR_BUFFER");
}

/**
 * Why `value` cannot be sent because its memory was transferred away (a
 * typed array or DataView on a detached ArrayBuffer, or a detached
 * ArrayBuffer), without a call's name; null otherwise. The one wording of
 * this error, for point-to-point calls and collectives alike.
 */
export function detachedWhy(value: unknown): string | null {
  if (ArrayBuffer.isView(value)) {
    if ((value.buffer as ArrayBuffer).detached !== true) return null;
    return `the ${value.constructor.name}'s ArrayBuffer is detached (it was transferred, e.g. by postMessage); ` +
      `its contents are gone`;
  }
  if (value instanceof ArrayBuffer && value.detached) {
    return "cannot send a detached ArrayBuffer (it was transferred away)";
  }
  return null;
}

/**
 * Decodes a complete non-typed message payload; `call`, `source` and `tag`
 * name the receive and the message in errors.
 */
export function decode(kind: number, bytes: Uint8Array, call = "recv", source = -1, tag = -1): unknown {
  if (kind === KIND_STRUCTURED) {
    try {
      return deserialize(bytes);
    } catch (e) {
      const where = `${call}: the message from rank ${source} (tag ${tag}, `;
      throw new SpmdError(
        `${where}${bytes.length} bytes) could not be rebuilt: ${(e as Error).name}: ${(e as Error).message}` +
          ((e as Error).name === "RangeError"
            ? " (V8's deserializer recurses once per level: values nested more than about 2,000 levels deep cannot " +
              "be received; flatten them); the message was consumed"
            : "; the message was consumed"),
        "MPI_ERR_OTHER",
      );
    }
  }
  switch (kind) {
    case KIND_NUMBER:
      return new Float64Array(bytes.buffer, bytes.byteOffset, 1)[0];
    case KIND_STRING:
      return decoder.decode(bytes);
    case KIND_TRUE:
      return true;
    case KIND_FALSE:
      return false;
    case KIND_NULL:
      return null;
    case KIND_UNDEFINED:
      return undefined;
  }
  throw new SpmdError(`${call}: message of unknown kind ${kind}`, "MPI_ERR_INTERN");
}

/** Human name of a kind code, for errors. */
export function kindName(kind: number): string {
  if (isTypedKind(kind)) return typedName(kind) ?? `kind ${kind}`;
  return [
    "number",
    "string",
    "boolean",
    "boolean",
    "null",
    "undefined",
    "structured value",
  ][kind - KIND_NUMBER] ??
    `kind ${kind}`;
}
