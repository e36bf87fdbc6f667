// Helpers shared by the tests.

import { spawn } from "../mod.ts";
import { algorithms } from "../collectives/_forced.ts";

/** Runs tests/programs/<name> as `size` ranks with a timeout; rejects with the job's report on failure. */
export function run(name: string, size: number, args: string[] = [], timeout = 120): Promise<void> {
  return spawn(new URL(`./programs/${name}`, import.meta.url), { size, args, timeout });
}

/**
 * Runs `fn` with environment variables `env` set (ranks are Web Workers of
 * this process, so they see them), then restores the previous values.
 */
export async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.keys(env).map((k) => [k, Deno.env.get(k)] as const);
  for (const [k, v] of Object.entries(env)) Deno.env.set(k, v);
  try {
    return await fn();
  } finally {
    for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
  }
}

/**
 * Environments that pin every collective's algorithm: the i-th pins each
 * operation to its i-th algorithm (its last when it has fewer), so that
 * together they run every algorithm of every operation. `label` names the
 * pins that differ between them. Algorithms in `without` are left out
 * (by default `native`, the MPI backend's own collectives: on shared memory
 * pinning them means the automatic choice).
 */
export function pinnedEnvs(without: readonly string[] = ["native"]): { label: string; env: Record<string, string> }[] {
  const ops = Object.keys(algorithms).sort();
  const choices = (op: string) => algorithms[op].filter((a) => !without.includes(a));
  const n = Math.max(...ops.map((op) => choices(op).length));
  const out: { label: string; env: Record<string, string> }[] = [];
  for (let i = 0; i < n; i++) {
    const env: Record<string, string> = {};
    const label: string[] = [];
    for (const op of ops) {
      const a = choices(op);
      env[`SPMD_COLL_${op.toUpperCase()}`] = a[Math.min(i, a.length - 1)];
      if (a.length > 1) label.push(`${op}=${a[Math.min(i, a.length - 1)]}`);
    }
    out.push({ label: label.join(", "), env });
  }
  return out;
}

/** Result of running the launcher as a subprocess. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `deno run -A cli.ts ...args` with a hard timeout (seconds) so a hang fails instead of blocking CI. */
export function cli(args: string[], timeout = 60): Promise<CliRun> {
  return deno(["run", "-A", new URL("../cli.ts", import.meta.url).pathname, ...args], { timeout });
}

/** Options of {@linkcode deno}. */
export interface DenoRunOptions {
  /** Working directory (default: the repository root). */
  cwd?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Hard timeout in seconds (default 60): the process is killed, so a hang fails instead of blocking CI. */
  timeout?: number;
}

/** Runs `deno <args>` as a subprocess with a hard timeout; collects its exit code and output. */
export async function deno(args: string[], o: DenoRunOptions = {}): Promise<CliRun> {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: o.cwd ?? new URL("..", import.meta.url).pathname,
    env: o.env,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout((o.timeout ?? 60) * 1000),
  }).output();
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
