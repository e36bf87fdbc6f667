// The smallest spmd job, for start-up times: every rank meets in a barrier.
import { world } from "../../mod.ts";
world().barrier();
