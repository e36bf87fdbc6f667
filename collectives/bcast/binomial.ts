/**
 * Broadcast along a binomial tree.
 *
 * Cost: ⌈log2 p⌉ rounds, each moving the whole message; best for small
 * messages. Relative rank vr = (rank − root) mod p receives from
 * vr − 2^k (the lowest set bit k of vr) and sends to vr + 2^j for the
 * smaller j. Works for any p and root, and for any value.
 *
 * A value the root cannot send (a function, a detached buffer) goes down
 * the tree as a poison marker instead (tag T_POISON), so every rank throws
 * the root's error and the communicator stays usable.
 *
 * @module
 */

import type { Coll } from "../_coll.ts";
import { T_BCAST, T_POISON } from "../../transport/calls.ts";
import { SpmdError } from "../../errors.ts";
import type { Bad } from "../_fault.ts";

/** The root's side (p > 1): sends `value` down the tree and returns it. */
export function bcastBinomial(c: Coll, value: unknown, root: number): unknown {
  let mask = 1;
  while (mask < c.size) mask <<= 1;
  try {
    forwardBinomial(c, value, 0, mask, root, T_BCAST);
  } catch (e) {
    // Encoding fails at the first send, before any child got data.
    if (!(e instanceof SpmdError) || (e.code !== "MPI_ERR_TYPE" && e.code !== "MPI_ERR_BUFFER")) throw e;
    const bad: Bad = { message: e.message.slice(c.call.length + 2), code: e.code };
    forwardBinomial(c, bad, 0, mask, root, T_POISON);
    throw rootCannotSend(c, root, bad);
  }
  return value;
}

/**
 * A non-root rank's side, once it has taken the first message from its
 * parent (the one at bit `mask` below it): `got`, with tag T_BCAST, or
 * the root's error with tag T_POISON (`poisoned`). Passes it on down and
 * returns the value, or throws the root's error.
 */
export function bcastBinomialFrom(c: Coll, got: unknown, poisoned: boolean, root: number, mask: number): unknown {
  const vr = (c.rank - root + c.size) % c.size;
  forwardBinomial(c, got, vr, mask, root, poisoned ? T_POISON : T_BCAST);
  if (poisoned) throw rootCannotSend(c, root, got as Bad);
  return got;
}

/** The error every rank throws when the root's value cannot be sent. */
export function rootCannotSend(c: Coll, root: number, bad: Bad): SpmdError {
  return c.error(`the root (rank ${root}) cannot send its value: ${bad.message}`, bad.code);
}

/** Sends `value` down the binomial tree below relative rank `vr` (whose receive bit is `mask`). */
export function forwardBinomial(c: Coll, value: unknown, vr: number, mask: number, root: number, tag: number): void {
  const size = c.size;
  for (mask >>= 1; mask > 0; mask >>= 1) {
    if (vr + mask < size) c.send(value, (vr + mask + root) % size, tag);
  }
}
