// Reductions give the reference result with user ops written in any style,
// and inputs that disagree between ranks fail on every rank with the same
// error: run at several rank counts (the programs loop over every root),
// with the automatic choice of algorithms and with every collective pinned
// to each of its algorithms (SPMD_COLL_<OP>): forcing an algorithm changes
// neither a result nor an error.
import { pinnedEnvs, run, withEnv } from "./_util.ts";

const envs = [{ label: "automatic algorithms", env: {} }, ...pinnedEnvs()];
for (const { label, env } of envs) {
  for (const size of [1, 2, 3, 4, 5, 8]) {
    const ranks = `${size} rank${size > 1 ? "s" : ""}`;
    Deno.test(`user ops, MPI-style ops and MAXLOC on arrays give the reference result at ${ranks} (${label})`, () =>
      withEnv(env, () => run("user_ops.ts", size, [], 180)));
    Deno.test(`reductions whose inputs disagree between ranks fail on every rank alike at ${ranks} (${label})`, () =>
      withEnv(env, () => run("reduction_errors.ts", size, [], 180)));
  }
}
