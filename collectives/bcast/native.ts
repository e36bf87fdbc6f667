/**
 * Broadcast on the backend's own collectives (MPI_Bcast, through
 * `Transport.native`), after one round of agreement (`../_native.ts`):
 *
 * - `bcastInto`: every rank's buffer type and length and the root must
 *   agree (or every rank throws the same error); then the library moves the
 *   root's bytes straight into every rank's buffer.
 * - `bcast`: only the root knows its value. The round tells every rank the
 *   root's typed-array kind and byte length, and the library broadcasts a
 *   typed array (any kind, DataView included) into a new one on every other
 *   rank; any other value goes down spmd's binomial tree next.
 *
 * @module
 */

import type { NativeCollectives } from "../../transport/transport.ts";
import { allocTyped, isTypedKind, type NumericArray, typedKind } from "../../transport/typed.ts";
import type { Coll } from "../_coll.ts";
import type { Bad } from "../_fault.ts";
import { agreedKind, agreedLength, agreeNative, KIND_OTHER, nativeFail, nativeRound, NOT_NATIVE } from "../_native.ts";

/**
 * Broadcasts the root's `buf` into every rank's `buf`; false when it is too
 * large for one call of the library (the ranks agree; send it otherwise).
 * `bad` is what is wrong with this rank's arguments, if anything.
 */
export function bcastIntoNative(
  c: Coll,
  n: NativeCollectives,
  buf: NumericArray,
  root: number,
  bad: Bad | null,
): boolean {
  const bytes = bad === null ? buf.byteLength : 0;
  nativeRound(c, n, bad === null ? typedKind(buf) : 0, bytes, root + 1, bad, buf, null);
  if (bytes > n.maxCount) return false;
  n.bcast(c.context, buf, root);
  return true;
}

/**
 * Returns the root's `value` on every rank (the root's own value on the
 * root), or {@linkcode NOT_NATIVE} when it is not a typed array the library
 * can broadcast (every rank then knows it).
 */
export function bcastNative(c: Coll, n: NativeCollectives, value: unknown, root: number): unknown {
  const isRoot = c.rank === root;
  let kind = -1;
  let length = -1;
  if (isRoot) {
    const k = typedKind(value);
    const v = value as ArrayBufferView;
    const ok = isTypedKind(k) && (v.buffer as ArrayBuffer).detached !== true && v.byteLength <= n.maxCount;
    kind = ok ? k : KIND_OTHER;
    length = ok ? v.byteLength : 0;
  }
  if (!agreeNative(c, n, kind, length, root + 1, null)) nativeFail(c, value, null, null, true, -1, `root ${root}`);
  kind = agreedKind();
  if (kind === KIND_OTHER) return NOT_NATIVE;
  const out = isRoot ? value as ArrayBufferView : allocTyped(kind, agreedLength());
  n.bcast(c.context, out, root);
  return out;
}
