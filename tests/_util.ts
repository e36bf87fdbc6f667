// Helpers shared by the tests.

import { spawn } from "../mod.ts";

/** Runs tests/programs/<name> as `size` ranks with a timeout; rejects with the job's report on failure. */
export function run(name: string, size: number, args: string[] = [], timeout = 120): Promise<void> {
  return spawn(new URL(`./programs/${name}`, import.meta.url), { size, args, timeout });
}

/** Result of running the launcher as a subprocess. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `deno run -A cli.ts ...args` with a hard timeout (seconds) so a hang fails instead of blocking CI. */
export async function cli(args: string[], timeout = 60): Promise<CliRun> {
  const cliPath = new URL("../cli.ts", import.meta.url).pathname;
  const t0 = performance.now();
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", cliPath, ...args],
    stdout: "piped",
    stderr: "piped",
    cwd: new URL("..", import.meta.url).pathname,
    signal: AbortSignal.timeout(timeout * 1000),
  });
  const out = await cmd.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr), ms: performance.now() - t0 };
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fills `u8` with a pattern that depends on `id`, so any misplaced byte shows. */
export function fillPattern(u8: Uint8Array, id: number): void {
  let x = (id * 2654435761) >>> 0;
  for (let i = 0; i < u8.length; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    u8[i] = x & 0xff;
  }
}

/** Returns the index of the first byte that differs from the pattern of `id`, or -1. */
export function checkPattern(u8: Uint8Array, id: number): number {
  let x = (id * 2654435761) >>> 0;
  for (let i = 0; i < u8.length; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    if (u8[i] !== (x & 0xff)) return i;
  }
  return -1;
}
