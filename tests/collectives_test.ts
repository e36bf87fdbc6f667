// Every collective and op at sizes 1..9 and 16, for every root; sub-communicators
// used together with the world. The checks run inside the ranks
// (programs/collectives.ts) against references computed locally. Then the
// same under every algorithm of every collective, each pinned by its
// SPMD_COLL_<OP> variable, and the selectors' handling of those variables.
import { deepEqual, equal, throws } from "node:assert/strict";
import { SpmdError } from "../mod.ts";
import { algorithms, forcedBy, parseChoice, readEnv } from "../collectives/_forced.ts";
import { pinnedEnvs, run, withEnv } from "./_util.ts";

for (const size of [1, 2, 3, 4, 5, 6, 7, 8, 9, 16]) {
  Deno.test(`collectives and ops at ${size} rank${size > 1 ? "s" : ""}`, async () => {
    await run("collectives.ts", size, [], 180);
  });
}

Deno.test("collective misuse: the same clear error on every rank", async () => {
  await run("collective_errors.ts", 3);
  await run("collective_errors.ts", 1);
});

// ---- every algorithm, pinned by its variable -----------------------------------

for (const { label, env } of pinnedEnvs()) {
  Deno.test(`collective misuse: the same clear error on every rank with ${label} (every collective pinned)`, () =>
    withEnv(env, () => run("collective_errors.ts", 3)));
  for (const size of [1, 2, 3, 4, 5, 8]) {
    Deno.test(`collectives and ops with ${label} (every collective pinned) at ${size} rank${size > 1 ? "s" : ""}`, () =>
      withEnv(env, () => run("collectives.ts", size, [], 180)));
  }
}

Deno.test("each collectives/<op>/ folder has select.ts, and the selector's algorithms are its other files", () => {
  const dir = new URL("../collectives/", import.meta.url);
  const found: Record<string, string[]> = {};
  for (const e of Deno.readDirSync(dir)) {
    if (!e.isDirectory) continue;
    const files = [...Deno.readDirSync(new URL(`${e.name}/`, dir))].map((f) => f.name);
    equal(files.includes("select.ts"), true, `collectives/${e.name}/select.ts`);
    found[e.name] = files.filter((f) => f !== "select.ts").map((f) => f.replace(/\.ts$/, "")).sort();
  }
  deepEqual(Object.keys(algorithms).sort(), Object.keys(found).sort());
  for (const op of Object.keys(found)) deepEqual([...algorithms[op]].sort(), found[op], op);
});

Deno.test("SPMD_COLL_<OP> values: a file name, auto or empty; case and blanks ignored; anything else lists the choices", () => {
  const choices = ["recursive_doubling", "ring"];
  equal(parseChoice("V", undefined, choices), null);
  equal(parseChoice("V", "", choices), null);
  equal(parseChoice("V", " Auto ", choices), null);
  equal(parseChoice("V", "ring", choices), "ring");
  equal(parseChoice("V", " RECURSIVE_DOUBLING\n", choices), "recursive_doubling");
  const e = parseChoice("SPMD_COLL_ALLREDUCE", "ring.ts", choices);
  equal(e instanceof SpmdError, true);
  equal(
    (e as SpmdError).message,
    'SPMD_COLL_ALLREDUCE="ring.ts" names no algorithm of this collective; the choices are auto, recursive_doubling, ring',
  );
  equal((e as SpmdError).code, "MPI_ERR_ARG");
});

Deno.test("a selector reads its variable once, at its first call, and throws naming the call on every call", () => {
  const name = "SPMD_COLL_SELECTOR_TEST";
  try {
    Deno.env.set(name, "b");
    const forced = forcedBy("selector_test", ["a", "b"]);
    Deno.env.set(name, "a"); // not read yet: the first call reads it
    equal(forced("bcast"), "a");
    Deno.env.set(name, "b");
    equal(forced("bcast"), "a");
    Deno.env.set(name, "c");
    const wrong = forcedBy("selector_test", ["a", "b"]);
    for (const call of ["allreduce", "split"]) {
      throws(() => wrong(call), {
        name: "SpmdError",
        message:
          `${call}: SPMD_COLL_SELECTOR_TEST="c" names no algorithm of this collective; the choices are auto, a, b`,
      });
    }
  } finally {
    Deno.env.delete(name);
    delete algorithms.selector_test;
  }
});

Deno.test({
  name: "without permission to read the environment, SPMD_COLL_<OP> counts as unset (no error, no prompt)",
  permissions: { env: false, read: true },
  fn() {
    equal(readEnv("PATH"), undefined);
    try {
      equal(forcedBy("permission_test", ["a"])("bcast"), null);
    } finally {
      delete algorithms.permission_test;
    }
  },
});

Deno.test("an unknown algorithm name fails that collective on every rank alike, and nothing else", async () => {
  const env = { SPMD_COLL_ALLREDUCE: "bogus", SPMD_COLL_BCAST: "Ring", SPMD_COLL_ALLGATHER: " RING " };
  await withEnv(env, async () => {
    await run("forced_errors.ts", 3, [], 60);
    await run("forced_errors.ts", 1, [], 60);
  });
});

Deno.test("reductions: a user op throwing on one rank fails every rank without a hang; scan ops that differ fail; 32-bit PROD wraps", async () => {
  for (const n of [2, 3, 4, 5]) await run("reduction_fixes.ts", n, [], 60);
});
