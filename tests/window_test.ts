// Shared-memory windows (window.ts) at 1 to 8 ranks: tests/programs/windows.ts.

import { run } from "./_util.ts";

for (const size of [1, 2, 3, 4, 8]) {
  Deno.test(`shared windows: segments, epochs, atomic accumulate, tickets, misuse at ${size} rank(s)`, async () => {
    await run("windows.ts", size, [String(size)]);
  });
}
