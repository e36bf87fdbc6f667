/**
 * Barrier on the backend's own collectives (MPI): the round of agreement of
 * `../_native.ts` is itself the barrier (an allreduce returns on no rank
 * before every rank has joined it), and it also tells ranks that called
 * another collective at this point (mismatched collectives) from ranks
 * that called this one, so all of them throw the same error instead of
 * waiting; a rank that has finished without joining fails the wait.
 *
 * @module
 */

import type { NativeCollectives } from "../../transport/transport.ts";
import type { Coll } from "../_coll.ts";
import { nativeRound } from "../_native.ts";

/** Blocks until every rank has entered the barrier. */
export function barrierNative(c: Coll, n: NativeCollectives): void {
  nativeRound(c, n, 0, 0, 0, null, undefined, null, false);
}
