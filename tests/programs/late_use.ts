// Keeps the communicator for use after the rank's module returned.
import { world } from "../../mod.ts";
const comm = world();
(globalThis as Record<string, unknown>).keptComm = comm;
