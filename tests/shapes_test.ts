// The hot objects of the transport keep their shapes (V8 hidden classes) and small-integer fields however long a job
// runs: tests/programs/shapes.ts checks it with V8's own predicates (%HaveSameMap, %IsSmi), which need
// --allow-natives-syntax, so it runs as a program of its own.
import { equal } from "node:assert/strict";
import { deno } from "./_util.ts";

for (const ffi of [true, false]) {
  Deno.test(
    `ring counters that cross 2^31 stay small integers, and no Ring or Message changes shape (${
      ffi ? "memcpy" : "set"
    } copies)`,
    async () => {
      const perms = ffi ? ["-A"] : ["--allow-read"];
      const r = await deno(["run", "--v8-flags=--allow-natives-syntax", ...perms, "tests/programs/shapes.ts"], {
        timeout: 60,
      });
      equal(r.code, 0, r.stderr);
      equal(r.stdout.trim(), "shapes ok");
    },
  );
}
