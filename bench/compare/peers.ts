/**
 * The systems `deno task compare` measures, and how each is found and
 * started: spmd (the launcher), spmd alloc (the same peer with every
 * point-to-point buffer from `comm.alloc`; point-to-point steps only),
 * Worker.postMessage (a plain Deno program), mpi4py (`mpiexec` +
 * `/usr/bin/python3`), C MPI (`mpicc`, compiled on the spot) and spmd MPI
 * (the spmd peer as one process per rank under the C peer's `mpiexec`, on
 * spmd's MPI backend: the same library as C MPI, so the two columns differ
 * by spmd's layers and the FFI calls). A system whose tools are missing is
 * "not installed", with the reason; it is never estimated.
 *
 * MPI: the C peer is built and run with the MPI that mpi4py was built
 * against (Open MPI on Debian 12), so that both peers share one library
 * (without mpi4py: Open MPI if installed, else MPICH); set
 * `SPMD_COMPARE_MPI=mpich` or `=openmpi` to choose. spmd MPI runs under the
 * same launcher and must load the same library (`SPMD_MPI_LIB` picks another
 * one), else it is shown as not installed.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../..", import.meta.url));
const HERE = join(ROOT, "bench", "compare");
/** Python with mpi4py (the pyenv python on PATH may lack it). */
export const PYTHON: string = Deno.env.get("SPMD_COMPARE_PYTHON") ?? "/usr/bin/python3";

/** A system to measure. */
export interface System {
  /** Column name. */
  name: "spmd" | "spmd alloc" | "postMessage" | "mpi4py" | "C MPI" | "spmd MPI";
  /** Runs the point-to-point benches only (latency, bw, bibw). */
  p2pOnly?: boolean;
  /** Why it cannot run here, or null. */
  missing: string | null;
  /** The command that runs a plan file as `ranks` ranks. */
  command(ranks: number, plan: string): { cmd: string[]; env?: Record<string, string> };
  /** Version text for the results file. */
  version: string;
}

/** Runs a short command; returns its stdout, or null when it fails or is missing. */
export async function probe(cmd: string[], timeoutMs = 20000): Promise<string | null> {
  try {
    const out = await new Deno.Command(cmd[0], {
      args: cmd.slice(1),
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(timeoutMs),
    }).output();
    if (!out.success) return null;
    return new TextDecoder().decode(out.stdout).replaceAll("\0", "").trim(); // Open MPI's version ends in a NUL
  } catch {
    return null;
  }
}

/** How to start MPI jobs of one flavour. */
interface MpiFlavour {
  name: "openmpi" | "mpich";
  /** How `MPI_Get_library_version` names it. */
  library: string;
  mpicc: string;
  launch(ranks: number): string[];
  env: Record<string, string>;
}

const OPENMPI: MpiFlavour = {
  name: "openmpi",
  library: "Open MPI",
  mpicc: "mpicc.openmpi",
  // --oversubscribe: allow more ranks than cores (Open MPI then yields
  // the core when idle by itself); --allow-run-as-root for containers.
  launch: (n) => ["mpirun.openmpi", "--allow-run-as-root", "--oversubscribe", "-n", String(n)],
  env: {},
};

/** MPICH (ch4) busy-waits when ranks outnumber cores: a 16-rank job took minutes here; use it with ranks ≤ cores. */
const MPICH: MpiFlavour = {
  name: "mpich",
  library: "MPICH",
  mpicc: "mpicc.mpich",
  launch: (n) => ["mpiexec.mpich", "-n", String(n)],
  env: {},
};

/** The first line of a launcher's `--version` with a version number in it ("mpirun (Open MPI) 4.1.4", "Version: 4.0.2"). */
function versionLine(text: string): string {
  return (text.split("\n").find((l) => /\d+\.\d+/.test(l)) ?? text.split("\n")[0]).replace(/\s+/g, " ").trim();
}

/** Finds every system; compiles the C peer into `work`. */
export async function findSystems(work: string): Promise<System[]> {
  const deno = Deno.execPath();
  const systems: System[] = [];
  systems.push({
    name: "spmd",
    missing: null,
    version: `spmd (Deno ${Deno.version.deno}, V8 ${Deno.version.v8})`,
    command: (ranks, plan) => ({
      cmd: [deno, "run", "-A", join(ROOT, "cli.ts"), "-n", String(ranks), join(HERE, "peer_spmd.ts"), plan],
    }),
  });
  systems.push({
    name: "spmd alloc",
    p2pOnly: true,
    missing: null,
    version: `spmd with comm.alloc buffers (Deno ${Deno.version.deno})`,
    command: (ranks, plan) => ({
      cmd: [deno, "run", "-A", join(ROOT, "cli.ts"), "-n", String(ranks), join(HERE, "peer_spmd.ts"), plan, "alloc"],
    }),
  });
  const pm = join(HERE, "peer_postmessage.ts");
  let pmMissing: string | null = null;
  try {
    Deno.statSync(pm);
  } catch {
    pmMissing = "bench/compare/peer_postmessage.ts is missing";
  }
  systems.push({
    name: "postMessage",
    missing: pmMissing,
    version: `Worker.postMessage (Deno ${Deno.version.deno})`,
    command: (_ranks, plan) => ({ cmd: [deno, "run", "-A", pm, plan] }),
  });
  // mpi4py, and the MPI it was built against.
  const lib = await probe([PYTHON, "-c", "from mpi4py import MPI; print(MPI.Get_library_version().splitlines()[0])"]);
  const want = Deno.env.get("SPMD_COMPARE_MPI");
  // Without mpi4py: Open MPI if its launcher is there, else MPICH if its is (apt-get install mpich alone).
  const flavour = want === "mpich"
    ? MPICH
    : want === "openmpi"
    ? OPENMPI
    : lib !== null
    ? (lib.includes("MPICH") ? MPICH : OPENMPI)
    : (await probe([OPENMPI.launch(1)[0], "--version"])) === null &&
        (await probe([MPICH.launch(1)[0], "--version"])) !== null
    ? MPICH
    : OPENMPI;
  const launcher = await probe([flavour.launch(1)[0], "--version"]);
  const mpiMissing = launcher === null
    ? `${flavour.launch(1)[0]} not found (apt-get install openmpi-bin or mpich)`
    : null;
  systems.push({
    name: "mpi4py",
    missing: lib === null
      ? `mpi4py not importable by ${PYTHON} (apt-get install python3-mpi4py)`
      : want !== undefined && !lib.toLowerCase().includes(want === "mpich" ? "mpich" : "open mpi")
      ? `mpi4py is built against ${lib}, not ${want}`
      : mpiMissing,
    version: lib === null
      ? ""
      : `mpi4py ${await probe([PYTHON, "-c", "import mpi4py; print(mpi4py.__version__)"])} on ${lib}`,
    command: (ranks, plan) => ({
      cmd: [...flavour.launch(ranks), PYTHON, join(HERE, "peer_mpi4py.py"), plan],
      env: { ...flavour.env, PYTHONDONTWRITEBYTECODE: "1" },
    }),
  });
  // C MPI, compiled now.
  const exe = join(work, "peer_mpi");
  let cMissing = mpiMissing;
  if (cMissing === null) {
    const built = await probe([flavour.mpicc, "-O2", "-o", exe, join(HERE, "peer_mpi.c")], 120000);
    if (built === null) {
      cMissing =
        `${flavour.mpicc} could not build bench/compare/peer_mpi.c (apt-get install libopenmpi-dev or libmpich-dev)`;
    }
  }
  systems.push({
    name: "C MPI",
    missing: cMissing,
    version: cMissing === null ? `C (${flavour.mpicc} -O2) on ${flavour.library} (${versionLine(launcher ?? "")})` : "",
    command: (ranks, plan) => ({ cmd: [...flavour.launch(ranks), exe, plan], env: flavour.env }),
  });
  systems.push(await spmdMpi(flavour, mpiMissing));
  return systems;
}

/**
 * spmd MPI: peer_spmd.ts as one process per rank under the flavour's
 * launcher. `cli.ts --version`, run under that launcher, tells which
 * library spmd's MPI backend loads there; it must be the flavour's.
 */
async function spmdMpi(flavour: MpiFlavour, launcherMissing: string | null): Promise<System> {
  const deno = Deno.execPath();
  let missing = launcherMissing;
  let lib = "";
  if (missing === null) {
    const text = await probe([...flavour.launch(1), deno, "run", "-A", join(ROOT, "cli.ts"), "--version"], 60000);
    lib = /^MPI: (.*)$/m.exec(text ?? "")?.[1] ?? "";
    if (text === null) missing = `${flavour.launch(1)[0]} -n 1 deno run -A cli.ts --version failed`;
    else if (lib.startsWith("no MPI library found")) missing = lib;
    else if (!lib.includes(flavour.library)) {
      missing = `spmd loads ${lib} under ${flavour.launch(1)[0]}, not ${flavour.library} (see SPMD_MPI_LIB)`;
    }
  }
  return {
    name: "spmd MPI",
    missing,
    version: missing === null ? `spmd's MPI backend (Deno ${Deno.version.deno} FFI) on ${lib}` : "",
    command: (ranks, plan) => ({
      cmd: [...flavour.launch(ranks), deno, "run", "-A", join(HERE, "peer_spmd.ts"), plan],
      env: flavour.env,
    }),
  };
}
