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
 * A group of processes: the ranks of a communicator, or a selection of
 * them. A group's rank `i` is its `i`-th process.
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * const comm = world();
 * const evens = comm.group.incl([...Array(comm.size).keys()].filter((r) => r % 2 === 0));
 * const sub = comm.create(evens); // a communicator of the even ranks; null on the others
 * console.log(sub === null ? "odd" : `rank ${sub.rank} of ${sub.size} evens`);
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

  /** Number of processes. */
  get size(): number {
    return this.#world.length;
  }

  /** This process's rank in the group, or `UNDEFINED` when it is not in it. */
  get rank(): number {
    const i = this.#world.indexOf(this.#me);
    return i < 0 ? UNDEFINED : i;
  }

  /** @ignore The processes' world ranks, in group order. */
  get worldRanks(): readonly number[] {
    return this.#world;
  }

  /** The group of this group's ranks `ranks`, in that order (MPI_Group_incl). */
  incl(ranks: readonly number[]): Group {
    return new Group(this.#ranks("incl", ranks).map((r) => this.#world[r]), this.#me);
  }

  /** This group without its ranks `ranks` (MPI_Group_excl). */
  excl(ranks: readonly number[]): Group {
    const out = new Set(this.#ranks("excl", ranks));
    return new Group(this.#world.filter((_, r) => !out.has(r)), this.#me);
  }

  /** This group's processes, then `other`'s that are not in it (MPI_Group_union). */
  union(other: Group): Group {
    const o = checkGroup("union", other);
    return new Group([...this.#world, ...o.#world.filter((w) => !this.#world.includes(w))], this.#me);
  }

  /** This group's processes that are also in `other`, in this group's order (MPI_Group_intersection). */
  intersection(other: Group): Group {
    const o = checkGroup("intersection", other);
    return new Group(this.#world.filter((w) => o.#world.includes(w)), this.#me);
  }

  /** This group's processes that are not in `other` (MPI_Group_difference). */
  difference(other: Group): Group {
    const o = checkGroup("difference", other);
    return new Group(this.#world.filter((w) => !o.#world.includes(w)), this.#me);
  }

  /** The ranks in `other` of this group's ranks `ranks`; `UNDEFINED` where a process is not in `other`. */
  translateRanks(ranks: readonly number[], other: Group): number[] {
    const o = checkGroup("translateRanks", other);
    return this.#ranks("translateRanks", ranks, true).map((r) => {
      const i = o.#world.indexOf(this.#world[r]);
      return i < 0 ? UNDEFINED : i;
    });
  }

  /** `IDENT` (the same processes in the same order), `SIMILAR` (in another order) or `UNEQUAL` (MPI_Group_compare). */
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
