// The MPI communicators behind spmd's contexts, and how a message's envelope
// travels in an MPI tag.
//
// spmd communicator n owns contexts 2n (point-to-point) and 2n + 1 (its
// collectives' own messages); both travel on one MPI communicator, made by
// MPI_Comm_dup / MPI_Comm_split when spmd's `dup` / `split` run. The MPI
// tag carries the spmd tag, the context's low bit and the payload's kind:
//
//   MPI tag = tag << 6 | collective << 5 | kind        (kind 1..26)
//
// A tag too large for the library's MPI_TAG_UB travels in an 8-byte header
// before the payload instead (kind field EXTENDED): [int32 tag, int32 kind].
// Receives match in spmd's own matcher (matcher.ts): MPI is asked for the
// oldest message from a source (MPI_Improbe with MPI_ANY_TAG), so
// ANY_SOURCE, ANY_TAG and the non-overtaking rule mean exactly what they
// mean on shared memory.

import { unnamedError } from "../../errors.ts";
import type { Handle } from "./lib.ts";

/** Kind field of a message whose tag and kind travel in a header. */
export const EXTENDED = 31;
/** Bytes of that header. */
export const EXTENDED_HEADER = 8;

/** One spmd communicator on MPI. */
export interface CommEntry {
  /** The MPI communicator. */
  handle: Handle;
  /** World rank of each MPI rank, or null for the world itself. */
  toWorld: Int32Array | null;
  /** MPI rank of each world rank (−1: not a member), or null for the world. */
  toLocal: Int32Array | null;
  /** spmd's number of the communicator (context >> 1; −1 for the control communicator). */
  number: number;
  /** MPI collectives this rank has started on it (native.ts), told to the others when it finalizes. */
  started: number;
}

/** The MPI tag of (tag, context, kind), or −1 when they must travel in a header (a large or internal tag, a flagged kind). */
export function mpiTag(tag: number, context: number, kind: number, tagLimit: number): number {
  return tag >= 0 && tag < tagLimit && kind < EXTENDED ? (tag << 6) | ((context & 1) << 5) | kind : -1;
}

/** The MPI tag of an extended message of `context`. */
export function extendedTag(context: number): number {
  return ((context & 1) << 5) | EXTENDED;
}

/** The largest spmd tag, plus one, that fits in an MPI tag under `tagUb`. */
export function tagLimitFor(tagUb: number): number {
  return Math.floor((tagUb + 1) / 64);
}

/** The MPI communicator of each spmd communicator (by number: context >> 1). */
export class Comms {
  readonly #byNumber = new Map<number, CommEntry>();

  /** Registers communicator `context`'s MPI communicator. */
  set(context: number, e: CommEntry): void {
    this.#byNumber.set(context >> 1, e);
  }

  /** The entry of `context`; throws (naming `call`) when there is none. */
  get(context: number, call: string): CommEntry {
    const e = this.#byNumber.get(context >> 1);
    if (e === undefined) throw unnamedError(`no MPI communicator for context ${context} (${call})`, "MPI_ERR_COMM");
    return e;
  }

  /** How many MPI collectives this rank started on each communicator: [number, count] pairs, for its "finalized" notice. */
  startedCounts(): Int32Array {
    const out = new Int32Array(this.#byNumber.size * 2);
    let i = 0;
    for (const [n, e] of this.#byNumber) {
      out[i++] = n;
      out[i++] = e.started;
    }
    return out;
  }

  /** The point-to-point context of every communicator. */
  contexts(): number[] {
    return [...this.#byNumber.keys()].map((n) => n << 1);
  }
}
