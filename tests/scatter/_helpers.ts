// Helpers shared by the scatter example's tests.

import assert from "node:assert/strict";
import { cli, type CliRun } from "../_util.ts";

/** The example's entry, relative to the repository root. */
export const MAIN = "examples/scatter/main.ts";

const CHECKSUM_RE = /^Sum of scattered field \|amplitudes\|\^2: (\S+)$/m;

/** The launcher on `script` (default MAIN) with a job timeout inside the subprocess timeout. */
export function launch(np: number, args: string[], script = MAIN): Promise<CliRun> {
  return cli(["-n", String(np), "--timeout", "60", script, ...args], 90);
}

/** Asserts that run `r` exited 0, showing its output otherwise. */
export function ok(r: CliRun, what: string): void {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}\n${r.stdout}`);
}

/** The checksum a run printed (asserts that it printed one). */
export function checksumOf(r: CliRun): string {
  const m = CHECKSUM_RE.exec(r.stdout);
  assert.ok(m, `no checksum line in:\n${r.stdout}`);
  return m[1];
}
