// Shared-memory windows (window.ts) at 1 to 8 ranks: tests/programs/windows.ts.

import { match, rejects } from "node:assert/strict";
import { run } from "./_util.ts";

for (const size of [1, 2, 3, 4, 8]) {
  Deno.test(`shared windows: segments, epochs, atomic accumulate, tickets, misuse at ${size} rank(s)`, async () => {
    await run("windows.ts", size, [String(size)]);
  });
}

Deno.test("shared windows: a lock never released is reported as a deadlock naming the lock wait", async () => {
  const { spawn } = await import("../mod.ts");
  await rejects(
    () => spawn(new URL("./programs/window_deadlock.ts", import.meta.url), { size: 2, timeout: 60 }),
    (e: Error) => {
      match(e.message, /deadlock/);
      match(e.message, /rank 1: blocked in a shared window's lock of world rank 0/);
      match(e.message, /rank 0: blocked in recv\(source=1, tag=3/);
      return true;
    },
  );
});
