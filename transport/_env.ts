// Reading an environment variable without ever prompting for permission.

/** The value of environment variable `name`, or undefined when it is unset or this rank may not read it. */
export function readEnv(name: string): string | undefined {
  try {
    if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") return undefined;
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}
