// `spmd --version` (spmd's version and the MPI library a launched rank would load) and backend().
import { deepEqual, equal, match } from "node:assert/strict";
import { cli } from "./_util.ts";
import { parseCli } from "../launcher/_cli_args.ts";
import denoJson from "../deno.json" with { type: "json" };

const ROOT = new URL("..", import.meta.url).pathname;
const dec = new TextDecoder();

/** Runs `cmd` with `env` added, stopped after `timeout` seconds. */
async function runWith(cmd: string[], env: Record<string, string>, timeout = 60): Promise<Deno.CommandOutput> {
  return await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    env,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeout * 1000),
  }).output();
}

/** Whether `path` opens with dlopen in this process. */
function opens(path: string): boolean {
  try {
    Deno.dlopen(path, {}).close();
    return true;
  } catch {
    return false;
  }
}

/** Whether `cmd --version` runs. */
function runs(cmd: string): boolean {
  try {
    return new Deno.Command(cmd, { args: ["--version"], stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

const haveMpich = opens("libmpich.so.12");
const haveOpenMpi = opens("libmpi.so.40");
const haveHydra = haveMpich && runs("mpiexec.mpich");
const cliArgs = (args: string[]) => [Deno.execPath(), "run", "-A", `${ROOT}cli.ts`, ...args];

Deno.test("cli --version: parsed without a script", () => {
  const o = parseCli(["--version"]);
  equal(o.version, true);
  equal(o.script, undefined);
  equal(parseCli(["-n", "2", "app.ts"]).version, false);
});

Deno.test("cli --version: prints spmd's version from deno.json and an MPI line, exits 0", async () => {
  const r = await cli(["--version"]);
  equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  equal(lines.length, 2, r.stdout);
  equal(lines[0], `spmd ${denoJson.version} (Deno ${Deno.version.deno}, V8 ${Deno.version.v8})`);
  match(lines[1], /^MPI: ./);
  equal(r.stderr, "");
});

Deno.test("cli --version: a library that cannot be loaded is reported with the reason", async () => {
  const out = await runWith(cliArgs(["--version"]), { SPMD_MPI_LIB: "/no/such/libmpi.so" });
  equal(out.code, 0);
  const lines = dec.decode(out.stdout).trimEnd().split("\n");
  match(lines[1], /^MPI: no MPI library found: \/no\/such\/libmpi\.so: .*SPMD_MPI_LIB/);
});

Deno.test({
  name: "cli --version: names MPICH, its version and ABI when SPMD_MPI_LIB picks it",
  ignore: !haveMpich,
  fn: async () => {
    const out = await runWith(cliArgs(["--version"]), { SPMD_MPI_LIB: "libmpich.so.12" });
    equal(out.code, 0, dec.decode(out.stderr));
    match(dec.decode(out.stdout).split("\n")[1], /^MPI: MPICH Version: *\d[^\0]*\(libmpich\.so\.12, MPICH ABI\)$/);
  },
});

Deno.test({
  name: "cli --version: under Open MPI's launcher (OMPI_* set) Open MPI is tried first",
  ignore: !haveOpenMpi,
  fn: async () => {
    const out = await runWith(cliArgs(["--version"]), { OMPI_COMM_WORLD_SIZE: "1", SPMD_MPI_LIB: "" });
    equal(out.code, 0, dec.decode(out.stderr));
    match(dec.decode(out.stdout).split("\n")[1], /^MPI: Open MPI v\d[^\0]*\(libmpi\.so\.40, Open MPI ABI\)$/);
  },
});

Deno.test("backend(): shared memory under spmd's launcher and in a plain run", async () => {
  const r = await cli(["-n", "2", "tests/programs/backend_info.ts"]);
  equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l)).sort((a, b) => a.rank - b.rank);
  deepEqual(lines, [{ rank: 0, size: 2, name: "shm" }, { rank: 1, size: 2, name: "shm" }]);
  const plain = await runWith([Deno.execPath(), "run", "-A", "tests/programs/backend_info.ts"], {});
  equal(plain.code, 0, dec.decode(plain.stderr));
  deepEqual(JSON.parse(dec.decode(plain.stdout)), { rank: 0, size: 1, name: "shm" });
});

Deno.test({
  name: "backend(): MPI, with the library and its version, under mpiexec (MPICH)",
  ignore: !haveHydra,
  fn: async () => {
    const out = await runWith(
      ["mpiexec.mpich", "-n", "2", Deno.execPath(), "run", "-A", "tests/programs/backend_info.ts"],
      { SPMD_MPI_LIB: "libmpich.so.12", SPMD_TIMEOUT: "50" },
    );
    equal(out.code, 0, dec.decode(out.stderr));
    const lines = dec.decode(out.stdout).trim().split("\n").map((l) => JSON.parse(l)).sort((a, b) => a.rank - b.rank);
    equal(lines.length, 2);
    for (const [i, l] of lines.entries()) {
      equal(l.rank, i);
      equal(l.size, 2);
      equal(l.name, "mpi");
      equal(l.library, "libmpich.so.12");
      match(l.version, /^MPICH Version: *\d/);
    }
  },
});
