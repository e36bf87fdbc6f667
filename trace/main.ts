/**
 * `deno task trace FILE.json [OUT.svg]`: draws a trace that `--trace
 * FILE.json` wrote as an SVG timeline, written to OUT.svg (default: FILE.svg
 * beside it).
 *
 * @module
 */

import { readTraceJson } from "./json.ts";
import { renderTraceSvg } from "./svg.ts";

const USAGE = "usage: deno task trace FILE.json [OUT.svg]";

/** Runs the command with `args`; returns the exit code (0 done, 1 unreadable trace, 2 bad arguments). */
export function traceMain(args: string[]): number {
  if (args.length === 0 || args.length > 2 || args.some((a) => a === "-h" || a === "--help")) {
    console.error(USAGE);
    return args.some((a) => a === "-h" || a === "--help") ? 0 : 2;
  }
  const input = args[0];
  const output = args[1] ?? svgPathFor(input);
  let text: string;
  try {
    text = Deno.readTextFileSync(input);
  } catch (e) {
    console.error(`trace: cannot read ${input}: ${(e as Error).message}`);
    return 1;
  }
  try {
    const { job, ranks } = readTraceJson(text);
    Deno.writeTextFileSync(output, renderTraceSvg(job, ranks));
  } catch (e) {
    console.error(`trace: ${input}: ${(e as Error).message}`);
    return 1;
  }
  console.error(`trace: wrote ${output}`);
  return 0;
}

/** FILE.json → FILE.svg (any other name: FILE.svg appended). */
export function svgPathFor(path: string): string {
  return /\.json$/i.test(path) ? path.replace(/\.json$/i, ".svg") : `${path}.svg`;
}

if (import.meta.main) Deno.exit(traceMain(Deno.args));
