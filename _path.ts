// Path helpers on top of node:path (jsr:@std/path is not reachable here).

import { isAbsolute, resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";

/** Resolves `p` against the current directory. */
export function resolve(p: string): string {
  return isAbsolute(p) ? p : resolvePath(Deno.cwd(), p);
}

/** The file URL of an absolute path. */
export function toFileUrl(p: string): URL {
  return pathToFileURL(p);
}
