// Every bad argument gives an SpmdError that names the call and the value.
import { throws } from "node:assert/strict";
import { ANY_TAG, SpmdError, type Status, TruncateError, world } from "../../mod.ts";

const comm = world();
const n = comm.size;
function bad(fn: () => unknown, re: RegExp): void {
  throws(fn, (e: unknown) => {
    if (!(e instanceof SpmdError)) throw new Error(`expected SpmdError, got ${e}`);
    if (!re.test(e.message)) throw new Error(`message ${JSON.stringify(e.message)} does not match ${re}`);
    return true;
  });
}
for (const dest of [n, -5, 1.5, NaN, "1", null, undefined, 2 ** 31]) {
  bad(() => comm.send(1, dest as number), /^send: dest must be an integer rank in 0\.\./);
  bad(() => comm.isend(1, dest as number), /^isend: dest must be/);
}
bad(() => comm.send(1, n), new RegExp(`got ${n}$`));
bad(() => comm.send(1, 1.5), /got 1\.5$/);
bad(() => comm.send(1, "1" as unknown as number), /got "1"$/);
for (const source of [n, -7, 0.5, "0"]) {
  bad(() => comm.recv(source as number), /^recv: source must be an integer rank/);
  bad(() => comm.irecv(source as number), /^irecv: source must be/);
  bad(() => comm.probe(source as number), /^probe: source must be/);
  bad(() => comm.iprobe(source as number), /^iprobe: source must be/);
  bad(() => comm.recvInto(new Uint8Array(1), source as number), /^recvInto: source must be/);
}
for (const tag of [-1, -3, 1.5, "2", 2 ** 31]) {
  bad(() => comm.send(1, 0, tag as number), /^send: tag must be an integer in 0\.\.2147483647, got/);
}
bad(() => comm.send(1, 0, -1), /got -1$/);
for (const tag of [-2, 0.5, "x"]) {
  bad(() => comm.recv(0, tag as number), /^recv: tag must be an integer in 0\.\.2147483647 or ANY_TAG/);
}
bad(() => comm.sendrecv(1, 0, -4), /^sendrecv: tag must be/);
bad(() => comm.sendrecv(1, 0, 0, 99), /^sendrecv: source must be/);
// Values that cannot be cloned.
bad(() => comm.send(() => 1, 0), /^send: cannot send a function/);
bad(() => comm.send(Symbol("s"), 0), /^send: cannot send Symbol\(s\)/);
bad(() => comm.send({ f: function named() {} }, 0), /^send: cannot send .*could not be cloned/);
bad(() => comm.isend({ s: Symbol("t") }, 0), /^isend: cannot send/);
bad(
  () => comm.recvInto([1, 2] as unknown as Uint8Array),
  /^recvInto: buffer must be a typed array or DataView, got \[ 1, 2 \]/,
);
bad(() => comm.recv(0, 0, {} as Status), /^recv: status must be a Status/);
bad(() => comm.recvInto(new Uint8Array(1), 0, 0, {} as Status), /^recvInto: status must be a Status, got \{\}/);
bad(() => comm.abort(300), /^abort: code must be an integer in 0\.\.255, got 300/);
// recvInto: too small a buffer is MPI_ERR_TRUNCATE and the message is consumed.
const me = comm.rank;
comm.send(new Float64Array(10), me, 1);
comm.send(new Float64Array([7]), me, 1);
throws(() => comm.recvInto(new Float64Array(4), me, 1), (e: unknown) => {
  if (!(e instanceof TruncateError) || e.code !== "MPI_ERR_TRUNCATE") throw new Error(`not a TruncateError: ${e}`);
  if (
    !/^recvInto: message of 80 bytes from rank \d+ \(tag 1\) does not fit the Float64Array of 32 bytes/.test(e.message)
  ) {
    throw new Error(e.message);
  }
  return true;
});
const small = new Float64Array(4);
const st = comm.recvInto(small, me, 1);
if (small[0] !== 7 || st.bytes !== 8) throw new Error("message after the truncated one was lost");
// recvInto of a message that is not a typed array: clear error, consumed.
comm.send({ not: "typed" }, me, 2);
comm.send(new Uint8Array([5]), me, 2);
bad(
  () => comm.recvInto(new Uint8Array(100), me, 2),
  /^recvInto: message from rank \d+ \(tag 2\) is a structured value, not a typed array/,
);
const u = new Uint8Array(1);
comm.recvInto(u, me, ANY_TAG);
if (u[0] !== 5) throw new Error("message after the non-typed one was lost");
// Truncation also when the big message streams (larger than the ring).
comm.isend(new Uint8Array(3 << 20), me, 3);
throws(() => comm.recvInto(new Uint8Array(1 << 20), me, 3), TruncateError);
if (comm.iprobe() !== null) throw new Error("messages left over");
