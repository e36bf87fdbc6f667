/**
 * {@linkcode Group}: an ordered set of processes (MPI_Group), as
 * `comm.group` gives and `comm.create(group)` takes. Group operations are
 * local: no rank talks to another.
 *
 * @module
 */

import { describe, SpmdError } from "./errors.ts";
import { IDENT, SIMILAR, UNEQUAL } from "./constants.ts";
import { UNDEFINED } from "./_split.ts";

/**
 * A set of processes in an order (MPI_Group): made from `comm.group`,
 * combined locally, and turned into a communicator by `comm.create`.
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * const evens = comm.group.incl([...Array(comm.size).keys()].filter((r) => r % 2 === 0));
 * const sub = comm.create(evens); // a communicator of the even ranks; null on the others
 * equal(sub === null, comm.rank % 2 === 1);
 * if (sub !== null) equal(sub.size, Math.ceil(comm.size / 2));
 * sub?.free();
 * ```
 */
export class Group {
  readonly #world: readonly number[];
  readonly #me: number;

  /** @ignore Made by `comm.group` from world ranks in group order and this process's world rank. */
  constructor(worldRanks: readonly number[], me: number) {
    this.#world = worldRanks;
    this.#me = me;
  }

  /**
   * Number of processes.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * equal(comm.group.size, comm.size);
   * ```
   */
  get size(): number {
    return this.#world.length;
  }

  /**
   * This process's rank in the group, or `UNDEFINED` when it is not in it.
   *
   * @example
   * ```ts
   * import { UNDEFINED, world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * equal(comm.group.rank, comm.rank);
   * equal(comm.group.excl([comm.rank]).rank, UNDEFINED);
   * ```
   */
  get rank(): number {
    const i = this.#world.indexOf(this.#me);
    return i < 0 ? UNDEFINED : i;
  }

  /** @ignore The processes' world ranks, in group order. */
  get worldRanks(): readonly number[] {
    return this.#world;
  }

  /**
   * The group of this group's ranks `ranks`, in that order (MPI_Group_incl).
   *
   * @param ranks Distinct ranks of this group.
   * @returns The new group.
   * @throws {SpmdError} `MPI_ERR_ARG` if `ranks` is not an array; `MPI_ERR_RANK` if an entry is not a rank of the group or is repeated.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const all = comm.group;
   * const reversed = all.incl([...Array(comm.size).keys()].reverse());
   * equal(reversed.rank, comm.size - 1 - comm.rank);
   * ```
   */
  incl(ranks: readonly number[]): Group {
    return new Group(this.#ranks("incl", ranks).map((r) => this.#world[r]), this.#me);
  }

  /**
   * This group without its ranks `ranks` (MPI_Group_excl).
   *
   * @param ranks Distinct ranks of this group.
   * @returns The new group.
   * @throws {SpmdError} `MPI_ERR_ARG` if `ranks` is not an array; `MPI_ERR_RANK` if an entry is not a rank of the group or is repeated.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const all = comm.group;
   * equal(all.excl([0]).size, comm.size - 1);
   * ```
   */
  excl(ranks: readonly number[]): Group {
    const out = new Set(this.#ranks("excl", ranks));
    return new Group(this.#world.filter((_, r) => !out.has(r)), this.#me);
  }

  /**
   * This group's processes, then `other`'s that are not in it (MPI_Group_union).
   *
   * @param other Another group.
   * @returns The new group.
   * @throws {SpmdError} `MPI_ERR_GROUP` if `other` is not a Group.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const all = comm.group;
   * equal(all.incl([0]).union(all).size, comm.size);
   * ```
   */
  union(other: Group): Group {
    const o = checkGroup("union", other);
    return new Group([...this.#world, ...o.#world.filter((w) => !this.#world.includes(w))], this.#me);
  }

  /**
   * This group's processes that are also in `other`, in this group's order (MPI_Group_intersection).
   *
   * @param other Another group.
   * @returns The new group.
   * @throws {SpmdError} `MPI_ERR_GROUP` if `other` is not a Group.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const all = comm.group;
   * equal(all.intersection(all.incl([0])).size, 1);
   * ```
   */
  intersection(other: Group): Group {
    const o = checkGroup("intersection", other);
    return new Group(this.#world.filter((w) => o.#world.includes(w)), this.#me);
  }

  /**
   * This group's processes that are not in `other` (MPI_Group_difference).
   *
   * @param other Another group.
   * @returns The new group.
   * @throws {SpmdError} `MPI_ERR_GROUP` if `other` is not a Group.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const all = comm.group;
   * equal(all.difference(all).size, 0);
   * ```
   */
  difference(other: Group): Group {
    const o = checkGroup("difference", other);
    return new Group(this.#world.filter((w) => !o.#world.includes(w)), this.#me);
  }

  /**
   * The ranks in `other` of this group's ranks `ranks`; `UNDEFINED` where a process is not in `other`.
   *
   * @param ranks Ranks of this group (may repeat).
   * @param other The group to translate them into.
   * @returns For each of `ranks`, its rank in `other`, or `UNDEFINED`.
   * @throws {SpmdError} `MPI_ERR_GROUP` if `other` is not a Group; `MPI_ERR_ARG`, `MPI_ERR_RANK` for bad `ranks`.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const all = comm.group;
   * const last = all.incl([comm.size - 1]);
   * deepEqual(all.translateRanks([comm.size - 1], last), [0]);
   * ```
   */
  translateRanks(ranks: readonly number[], other: Group): number[] {
    const o = checkGroup("translateRanks", other);
    return this.#ranks("translateRanks", ranks, true).map((r) => {
      const i = o.#world.indexOf(this.#world[r]);
      return i < 0 ? UNDEFINED : i;
    });
  }

  /**
   * `IDENT` (the same processes in the same order), `SIMILAR` (in another order) or `UNEQUAL` (MPI_Group_compare).
   *
   * @param other Another group.
   * @returns `IDENT`, `SIMILAR` or `UNEQUAL`.
   * @throws {SpmdError} `MPI_ERR_GROUP` if `other` is not a Group.
   *
   * @example
   * ```ts
   * import { IDENT, world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const all = comm.group;
   * equal(all.compare(comm.group), IDENT);
   * ```
   */
  compare(other: Group): number {
    const o = checkGroup("compare", other);
    if (o.#world.length !== this.#world.length) return UNEQUAL;
    if (o.#world.every((w, i) => this.#world[i] === w)) return IDENT;
    return o.#world.every((w) => this.#world.includes(w)) ? SIMILAR : UNEQUAL;
  }

  /** Checks a list of this group's ranks (distinct unless `repeats`); returns it. */
  #ranks(call: string, ranks: readonly number[], repeats = false): readonly number[] {
    if (!Array.isArray(ranks)) {
      throw new SpmdError(`Group.${call}: ranks must be an array of ranks, got ${describe(ranks)}`, "MPI_ERR_ARG");
    }
    const seen = new Set<number>();
    ranks.forEach((r, i) => {
      if (!Number.isInteger(r) || r < 0 || r >= this.#world.length) {
        throw new SpmdError(
          `Group.${call}: ranks[${i}] must be a rank in 0..${this.#world.length - 1}, got ${describe(r)}`,
          "MPI_ERR_RANK",
        );
      }
      if (!repeats && seen.has(r)) {
        throw new SpmdError(`Group.${call}: rank ${r} is given twice (ranks[${i}])`, "MPI_ERR_RANK");
      }
      seen.add(r);
    });
    return ranks;
  }
}

function checkGroup(call: string, g: unknown): Group {
  if (!(g instanceof Group)) {
    throw new SpmdError(`Group.${call}: other must be a Group, got ${describe(g)}`, "MPI_ERR_GROUP");
  }
  return g;
}
