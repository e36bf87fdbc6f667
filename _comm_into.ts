/**
 * {@linkcode BufferCollectives}: a communicator's buffer collectives
 * (mpi4py's `Allreduce(sendbuf, recvbuf)`, ...), which `Comm` extends.
 * Typed arrays only, nothing allocated per call; the logic is in
 * `_buffer_api.ts`.
 *
 * @module
 */

import type { InPlace } from "./constants.ts";
import * as into from "./_buffer_api.ts";
import { NonBlocking } from "./_comm_nbc.ts";
import { Coll } from "./collectives/_coll.ts";
import { type Op, SUM } from "./ops.ts";
import type { NumericArray } from "./transport/typed.ts";

/** The buffer collectives of a communicator; every `Comm` is one. */
export class BufferCollectives extends NonBlocking {
  #coll: Coll | null = null;

  // ---- buffer collectives (mpi4py's Allreduce(sendbuf, recvbuf), ...; the logic is in _buffer_api.ts) ----
  // Typed arrays only, nothing allocated; `send` may be IN_PLACE where MPI allows it. Arrays that disagree
  // between ranks throw an SpmdError: on every rank without a root, on the ranks that find it with one.

  /** Reduces every rank's `send` (`recv` itself for IN_PLACE) with `op` into `recv`: the same bits on every rank. */
  allreduceInto(send: NumericArray | InPlace, recv: NumericArray, op: Op = SUM): void {
    into.allreduceInto(this, send, recv, op);
  }

  /** Reduces every rank's `send` into `recv` on `root` (IN_PLACE on the root only); others' `recv` is unused. */
  reduceInto(send: NumericArray | InPlace, recv: NumericArray | null, op: Op = SUM, root = 0): void {
    into.reduceInto(this, send, recv, op, root);
  }

  /** Copies the root's `buf` into every rank's `buf` (one type and length everywhere). */
  bcastInto(buf: NumericArray, root = 0): void {
    into.bcastInto(this, buf, root);
  }

  /** Every rank's `send` into block r (of `send.length`) of every rank's `recv`; IN_PLACE: own block is in `recv`. */
  allgatherInto(send: NumericArray | InPlace, recv: NumericArray): void {
    into.allgatherInto(this, send, recv);
  }

  /** Every rank's `send` into block r of `recv` on `root` (IN_PLACE on the root only); others' `recv` is unused. */
  gatherInto(send: NumericArray | InPlace, recv: NumericArray | null, root = 0): void {
    into.gatherInto(this, send, recv, root);
  }

  /** Block r of the root's `send` into rank r's `recv` (the root's `recv` may be IN_PLACE); others' `send` is unused. */
  scatterInto(send: NumericArray | null, recv: NumericArray | InPlace, root = 0): void {
    into.scatterInto(this, send, recv, root);
  }

  /** Block j of every rank's `send` (IN_PLACE: of its `recv`) into block r of rank j's `recv`. */
  alltoallInto(send: NumericArray | InPlace, recv: NumericArray): void {
    into.alltoallInto(this, send, recv);
  }

  /** Inclusive prefix reduction into `recv`: rank r gets op(send0, ..., send_r). */
  scanInto(send: NumericArray | InPlace, recv: NumericArray, op: Op = SUM): void {
    into.scanInto(this, send, recv, op, "scanInto");
  }

  /** Exclusive prefix reduction into `recv`: rank r gets op(send0, ..., send_r−1); rank 0's `recv` is untouched. */
  exscanInto(send: NumericArray | InPlace, recv: NumericArray, op: Op = SUM): void {
    into.scanInto(this, send, recv, op, "exscanInto");
  }

  /** @ignore The communicator's collectives, named for `call` (checks that the communicator is live). */
  collFor(call: string): Coll {
    this.checkLive(call);
    const c = this.#coll ??= new Coll(this);
    c.call = call;
    return c;
  }
}
