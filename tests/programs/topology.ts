// Topologies at any rank count: Cartesian grids of 1, 2 and 3 dimensions
// (periodic and not) from computeDims, coords/rankOf round trips, shift at
// the edges checked against coordinates, neighbour collectives and dup on
// grids, sub-grids, ranks beyond the grid,
// splitType, distributed graphs with neighbor collectives, and bad input
// named in the errors (the same error on every rank where it is
// collective, and the communicator still usable after).
import { deepEqual, equal, ok, throws } from "node:assert/strict";
import {
  CartComm,
  Comm,
  COMM_TYPE_SHARED,
  computeDims,
  DistGraphComm,
  PROC_NULL,
  SpmdError,
  UNDEFINED,
  world,
} from "../../mod.ts";

const comm = world();
const { rank, size } = comm;

function product(a: readonly number[]): number {
  return a.reduce((x, y) => x * y, 1);
}

/** Checks every call of `cart` against coordinates computed here, then its sub-grids. */
function checkCart(cart: CartComm, dims: readonly number[], periods: readonly boolean[]): void {
  ok(cart instanceof CartComm && cart instanceof Comm);
  deepEqual(cart.dims, dims);
  deepEqual(cart.periods, periods);
  equal(cart.size, product(dims));
  equal(cart.rank, rank, "no reorder: grid rank = world rank");
  equal(cart.ndim, dims.length);
  // Row-major coordinates, round trip for every rank.
  for (let r = 0; r < cart.size; r++) {
    const c = cart.coords(r);
    let back = 0;
    for (let i = 0; i < dims.length; i++) back = back * dims[i] + c[i];
    equal(back, r);
    equal(cart.rankOf(c), r);
  }
  deepEqual(cart.coords(), cart.coords(cart.rank));
  const me = cart.coords();
  for (let d = 0; d < dims.length; d++) {
    for (const disp of [1, 2, -1, 0, dims[d] + 1]) {
      const [src, dst] = cart.shift(d, disp);
      const expect = (delta: number): number => {
        const c = [...me];
        c[d] += delta;
        if (c[d] < 0 || c[d] >= dims[d]) {
          if (!periods[d]) return PROC_NULL;
          c[d] = ((c[d] % dims[d]) + dims[d]) % dims[d];
        }
        return cart.rankOf(c);
      };
      equal(src, expect(-disp), `shift(${d}, ${disp}) source at ${me}`);
      equal(dst, expect(disp), `shift(${d}, ${disp}) dest at ${me}`);
    }
    // The shifts pair up: a sendrecv along every dimension moves each rank's number by one.
    const [src, dst] = cart.shift(d, 1);
    const got = cart.sendrecv(cart.rank, dst, 5, src, 5);
    equal(got, src === PROC_NULL ? null : src);
    // Periodic wrap in rankOf; out of range on a non-periodic dimension names the call.
    const c = [...me];
    c[d] = me[d] + dims[d];
    if (periods[d]) equal(cart.rankOf(c), cart.rank);
    else throws(() => cart.rankOf(c), /^SpmdError: rankOf: coordinate .* of dimension \d+ is outside .* not periodic/);
  }
  // Neighbour collectives in MPI's order: for each dimension the −1 then the +1 neighbour (null past an edge);
  // what a neighbour sent to its +1 side lands in this rank's −1 slot, even when both neighbours are one rank.
  const nbs = dims.flatMap((_, d) => cart.shift(d, 1));
  deepEqual(cart.neighborAllgather(cart.rank), nbs.map((r) => (r === PROC_NULL ? null : r)));
  const got = cart.neighborAlltoall(nbs.map((_, slot) => ({ from: cart.rank, slot })));
  got.forEach((m, i) => deepEqual(m, nbs[i] === PROC_NULL ? null : { from: nbs[i], slot: i ^ 1 }));
  throws(
    () => cart.neighborAlltoall([]),
    /^SpmdError: neighborAlltoall: values must be an array of \d+ values \(two per dimension\)/,
  );
  // dup keeps the grid.
  const twin = cart.dup();
  ok(twin instanceof CartComm);
  deepEqual([twin.dims, twin.periods, twin.rank, twin.size], [cart.dims, cart.periods, cart.rank, cart.size]);
  deepEqual(twin.neighborAllgather(-cart.rank), nbs.map((r) => (r === PROC_NULL ? null : -r)));
  // Every sub-grid: the ranks that share this rank's coordinates where a dimension is dropped.
  for (let mask = 0; mask < 1 << dims.length; mask++) {
    const keep = dims.map((_, i) => (mask >> i & 1) === 1);
    const sub = cart.sub(keep);
    ok(sub instanceof CartComm);
    deepEqual(sub.dims, dims.filter((_, i) => keep[i]));
    deepEqual(sub.periods, periods.filter((_, i) => keep[i]));
    equal(sub.size, product(sub.dims));
    deepEqual(sub.coords(), me.filter((_, i) => keep[i]));
    const members = sub.allgather(cart.coords());
    members.forEach((c, r) => {
      deepEqual(c.filter((_, i) => !keep[i]), me.filter((_, i) => !keep[i]), "same fixed coordinates");
      deepEqual(c.filter((_, i) => keep[i]), sub.coords(r), "sub-grid coordinates in order");
    });
  }
  // Bad input names the call and the value.
  throws(() => cart.coords(cart.size), /^SpmdError: coords: rank must be an integer in 0\.\.\d+, got \d+$/);
  throws(
    () => cart.rankOf([0, 0, 0, 0]),
    /^SpmdError: rankOf: coords must be an array of \d+ integers, got \[ 0, 0, 0, 0 \]$/,
  );
  throws(() => cart.shift(dims.length, 1), /^SpmdError: shift: direction must be a dimension in .*, got \d+$/);
  throws(() => cart.shift(0, 1.5), /^SpmdError: shift: disp must be an integer, got 1\.5$/);
  throws(
    () => cart.sub([true, true, true, true]),
    /^SpmdError: sub: remainDims must be a boolean or an array of \d booleans/,
  );
}

// ---- computeDims in the ranks too (the test file checks it in full) ----
deepEqual(computeDims(size, 1), [size]);
equal(product(computeDims(size, 3)), size);

// ---- Cartesian grids ----
const shapes: { dims: number[]; periods: boolean[] }[] = [
  { dims: computeDims(size, 1), periods: [false] },
  { dims: computeDims(size, 1), periods: [true] },
  { dims: computeDims(size, 2), periods: [false, false] },
  { dims: computeDims(size, 2), periods: [true, false] },
  { dims: computeDims(size, 3), periods: [true, true, false] },
  { dims: computeDims(size, [0, 1]), periods: [false, true] },
];
for (const { dims, periods } of shapes) {
  const cart = comm.createCart(dims, periods)!;
  ok(cart !== null);
  checkCart(cart as CartComm, dims, periods);
}
// Default periods (all false), one boolean for all dimensions.
deepEqual(comm.createCart([size])!.periods, [false]);
deepEqual(comm.createCart([size, 1], true)!.periods, [true, true]);
deepEqual(comm.createCart([size, 1], false, true)!.dims, [size, 1]);

// A grid smaller than the communicator: the ranks beyond it get null.
const small = Math.max(1, size - 2);
const part = comm.createCart(computeDims(small, 2), [true, true]);
if (rank < small) {
  ok(part instanceof CartComm);
  checkCart(part, computeDims(small, 2), [true, true]);
} else equal(part, null);

// A 0-dimensional grid is one rank.
const point = comm.createCart([]);
if (rank === 0) {
  equal(point!.size, 1);
  deepEqual(point!.coords(), []);
} else equal(point, null);

// Collectives on a grid and on a sub-grid.
const grid = comm.createCart(computeDims(size, 2))!;
equal(grid.allreduce(1), size);
const row = grid.sub([false, true]);
equal(row.allreduce(1), grid.dims[1]);

// Bad input: every rank throws the same error, and the communicator is still usable.
throws(() => comm.createCart([size + 1]), new RegExp(`^SpmdError: createCart: dims \\[${size + 1}\\] make a grid of`));
throws(() => comm.createCart([0]), /^SpmdError: createCart: dims must be an array of positive integers, got \[ 0 \]$/);
throws(() => comm.createCart(3 as unknown as number[]), /^SpmdError: createCart: dims must be an array .* got 3$/);
throws(() => comm.createCart([1], [true, false]), /^SpmdError: createCart: periods must be .* got \[ true, false \]$/);
throws(() => comm.createCart([1], [false], 1 as unknown as boolean), /^SpmdError: createCart: reorder must be/);
equal(comm.allreduce(1), size);

// ---- splitType ----
const shared = comm.splitType(COMM_TYPE_SHARED)!;
equal(shared.size, size, "on one machine every rank shares memory");
equal(shared.rank, rank);
equal(shared.allreduce(rank), (size * (size - 1)) / 2);
const reversed = comm.splitType(COMM_TYPE_SHARED, size - rank)!;
equal(reversed.rank, size - 1 - rank);
const some = comm.splitType(rank % 2 === 0 ? COMM_TYPE_SHARED : UNDEFINED);
if (rank % 2 === 0) equal(some!.size, Math.ceil(size / 2));
else equal(some, null);
throws(() => comm.splitType(7), /^SpmdError: splitType: type must be COMM_TYPE_SHARED \(1\) or UNDEFINED, got 7$/);

// ---- distributed graphs ----
// A ring both ways.
const left = (rank - 1 + size) % size;
const right = (rank + 1) % size;
const ring = comm.createDistGraphAdjacent([left, right], [left, right]);
ok(ring instanceof DistGraphComm);
deepEqual(ring.neighborAllgather(rank), [left, right]);
deepEqual(ring.neighborAlltoall([`${rank}→${left}`, `${rank}→${right}`]), [`${left}→${rank}`, `${right}→${rank}`]);
// Large typed arrays through the graph.
const big = new Float64Array(50_000).fill(rank);
const bigs = ring.neighborAllgather(big);
equal(bigs[0][49_999], left);
equal(bigs[1][0], right);

// A star: rank 0 receives from every rank (itself included), every rank receives from 0; an edge 0→1 twice.
const sources = rank === 0 ? [...Array(size).keys()] : [0];
const destinations = rank === 0 ? [...Array(size).keys()] : [0];
if (size > 1) {
  if (rank === 0) destinations.push(1);
  if (rank === 1) sources.push(0);
}
const star = comm.createDistGraphAdjacent(sources, destinations);
deepEqual(star.sources, sources);
deepEqual(star.destinations, destinations);
const all = star.neighborAlltoall(destinations.map((d, i) => ({ from: rank, to: d, i })));
deepEqual(all.map((m) => m.from), sources);
ok(all.every((m) => m.to === rank));
if (rank === 1 && size > 1) deepEqual(all.map((m) => m.i), [1, size]);
const ring2 = ring.dup();
ok(ring2 instanceof DistGraphComm);
deepEqual([ring2.sources, ring2.destinations], [[left, right], [left, right]]);
deepEqual(ring2.neighborAllgather(rank * 10), [left * 10, right * 10]);
// A rank with no neighbors at all.
const lonely = comm.createDistGraphAdjacent([], []);
deepEqual(lonely.neighborAllgather(rank), []);
deepEqual(lonely.neighborAlltoall([]), []);

// User messages on the graph communicator never match neighbor traffic.
ring.send("user", right, 3);
deepEqual(ring.neighborAllgather(-rank), [-left, -right]);
equal(ring.recv(left, 3), "user");

// Lists that do not agree: the same error on every rank.
throws(
  () => comm.createDistGraphAdjacent([], [right]),
  size === 1 ? /lists 0 among its destinations more often/ : /^SpmdError: createDistGraphAdjacent: rank \d+ lists/,
);
throws(() => comm.createDistGraphAdjacent([size], []), /^SpmdError: createDistGraphAdjacent: sources must be an array/);
throws(() => ring.neighborAlltoall([1]), /^SpmdError: neighborAlltoall: values must be an array of 2 values/);
equal(comm.allreduce(1), size);
ok(new SpmdError("x") instanceof Error);
if (rank === 0) console.log(`topology ok at ${size} ranks`);
