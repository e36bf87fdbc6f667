// Rank program of the point-to-point benchmarks (rank 1; rank 0 is the bench
// thread): answers every iteration until the job is stopped. See _p2p.ts.
import { world } from "../mod.ts";
import { serveP2P } from "./_p2p.ts";

serveP2P(world());
