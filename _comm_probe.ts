/**
 * {@linkcode Probes}: a communicator's probes and matched probes (mpi4py's
 * `probe`, `iprobe`, `mprobe`, `improbe`), which `Comm` extends; the logic
 * is in `_p2p.ts` and `mprobe.ts`.
 *
 * @module
 */

import { SyncSends } from "./_comm_ssend.ts";
import { ANY_SOURCE, ANY_TAG } from "./constants.ts";
import type { Message } from "./mprobe.ts";
import * as p2p from "./_p2p.ts";
import type { Status } from "./status.ts";

/**
 * The probes of a communicator; every `Comm` is one. A probe tells what
 * message would be received next; a matched probe takes it out of matching,
 * so that no other receive can take it.
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * comm.send("hi", comm.rank, 4);
 * equal(comm.probe(comm.rank, 4).tag, 4);
 * equal(comm.mprobe(comm.rank, 4).recv(), "hi");
 * ```
 */
export class Probes extends SyncSends {
  /**
   * Waits until a matching message can be received; returns its {@linkcode Status}.
   *
   * @param source The sending rank, `ANY_SOURCE` (default) or `PROC_NULL`.
   * @param tag The tag to match, or `ANY_TAG` (default).
   * @returns The status of the message (which stays to be received).
   * @throws {SpmdError} `MPI_ERR_RANK` if `source` is not a rank, `ANY_SOURCE` or `PROC_NULL`; `MPI_ERR_TAG` if `tag` is not a tag or `ANY_TAG`; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * comm.send(new Uint8Array(5), comm.rank, 2);
   * const st = comm.probe(comm.rank, 2); // size the buffer before receiving
   * const buf = new Uint8Array(st.count(Uint8Array));
   * comm.recvInto(buf, comm.rank, 2);
   * equal(buf.length, 5);
   * ```
   */
  probe(source: number = ANY_SOURCE, tag: number = ANY_TAG): Status {
    this.checkLive("probe");
    return p2p.probe(this, source, tag);
  }

  /**
   * Returns the {@linkcode Status} of a matching message if one is there, else `null`.
   *
   * @param source The sending rank, `ANY_SOURCE` (default) or `PROC_NULL`.
   * @param tag The tag to match, or `ANY_TAG` (default).
   * @returns The status of a matching message, or `null` if none has arrived.
   * @throws {SpmdError} `MPI_ERR_RANK` if `source` is not a rank, `ANY_SOURCE` or `PROC_NULL`; `MPI_ERR_TAG` if `tag` is not a tag or `ANY_TAG`; `MPI_ERR_COMM` if the communicator was freed.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * equal(comm.iprobe(comm.rank, 11), null);
   * comm.send("late", comm.rank, 11);
   * let st = comm.iprobe(comm.rank, 11);
   * while (st === null) st = comm.iprobe(comm.rank, 11);
   * equal(st.tag, 11);
   * equal(comm.recv(comm.rank, 11), "late");
   * ```
   */
  iprobe(source: number = ANY_SOURCE, tag: number = ANY_TAG): Status | null {
    this.checkLive("iprobe");
    return p2p.iprobe(this, source, tag);
  }

  /**
   * Matched probe (MPI_Mprobe): waits for a matching message and returns it
   * as a {@linkcode Message}, taken out of matching so that no other receive
   * can take it; receive it with `message.recv()` or `message.irecv()`.
   *
   * @param source The sending rank, `ANY_SOURCE` (default) or `PROC_NULL`.
   * @param tag The tag to match, or `ANY_TAG` (default).
   * @returns The message, to be received with its own `recv`, `recvInto` or `irecv`.
   * @throws {SpmdError} `MPI_ERR_RANK` if `source` is not a rank, `ANY_SOURCE` or `PROC_NULL`; `MPI_ERR_TAG` if `tag` is not a tag or `ANY_TAG`; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * comm.send("mine", comm.rank, 12);
   * const msg = comm.mprobe(comm.rank, 12);
   * equal(msg.status.tag, 12);
   * equal(msg.recv(), "mine");
   * ```
   */
  mprobe(source: number = ANY_SOURCE, tag: number = ANY_TAG): Message {
    this.checkLive("mprobe");
    return p2p.mprobe(this, source, tag);
  }

  /**
   * Non-blocking matched probe (MPI_Improbe): the {@linkcode Message} if a matching one is there, else `null`.
   *
   * @param source The sending rank, `ANY_SOURCE` (default) or `PROC_NULL`.
   * @param tag The tag to match, or `ANY_TAG` (default).
   * @returns The message, or `null` if none has arrived.
   * @throws {SpmdError} `MPI_ERR_RANK` if `source` is not a rank, `ANY_SOURCE` or `PROC_NULL`; `MPI_ERR_TAG` if `tag` is not a tag or `ANY_TAG`; `MPI_ERR_COMM` if the communicator was freed.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * comm.send(42, comm.rank, 14);
   * let msg = comm.improbe(comm.rank, 14);
   * while (msg === null) msg = comm.improbe(comm.rank, 14);
   * equal(msg.recv(), 42);
   * ```
   */
  improbe(source: number = ANY_SOURCE, tag: number = ANY_TAG): Message | null {
    this.checkLive("improbe");
    return p2p.improbe(this, source, tag);
  }
}
