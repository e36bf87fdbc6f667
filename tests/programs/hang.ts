// Every rank waits for a message that never comes (for --timeout).
import { world } from "../../mod.ts";
const comm = world();
comm.recv((comm.rank + 1) % comm.size, 7);
