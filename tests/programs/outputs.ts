// Every way a rank writes output, for --tag-output, --timestamp-output and --output-filename.
import { world } from "../../mod.ts";
const comm = world();
const bytes = (s: string) => new TextEncoder().encode(s);
console.log("log %d of %s %j", comm.rank, "world", { size: comm.size });
console.log(["q"], new Map([[1, "a"]])); // Deno's formatting (double quotes), not node's
console.info("two\nlines");
console.table([{ rank: comm.rank }]);
console.group("group");
console.debug("indented");
console.groupEnd();
console.dir({ a: { b: { c: 1 } } }, { depth: 0 });
Deno.stdout.writeSync(bytes("partial "));
await Deno.stdout.write(bytes("joined\n"));
const w = Deno.stdout.writable.getWriter();
await w.write(bytes("through writable\n"));
w.releaseLock();
console.error("error %i", comm.rank);
console.warn("warn");
console.trace("trace");
Deno.stderr.writeSync(bytes("stderr sync\n"));
await Deno.stderr.write(bytes("stderr async\n"));
Deno.stdout.writeSync(bytes("no newline at the end"));
