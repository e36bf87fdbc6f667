// The check of a `--trace` path (and spawn's `trace`), kept apart from the
// writers so that a rank's module graph (mod.ts → spawn.ts) does not load them.

/** An error message for a trace path that does not end in .json or .svg, else null. */
export function traceOutputError(path: unknown): string | null {
  if (typeof path !== "string" || !/\.(json|svg)$/i.test(path)) {
    return `must be a file name ending in .json or .svg, got ${typeof path === "string" ? `"${path}"` : String(path)}`;
  }
  return null;
}
