// A 2 GiB message after the send and receive paths were compiled by Maglev on smaller ones (run with
// --v8-flags=--no-turbofan, so that Maglev's code is what runs). V8 15.0's Maglev compares a typed array's
// `length` of 2^31 or more as a negative int32 (`u8.length > 65536` is false), so a payload length read with
// `length` sent 2 GiB into a 512-byte cell or a 4 KiB ring: memcpy past the ring, a segmentation fault.
// The transport reads payload lengths with `byteLength`, which Maglev gets right. Prints "ok" when the
// message arrived whole.
import { createShm, layoutFor, MIN_RING_BYTES } from "../../transport/shm_layout.ts";
import { ShmTransport } from "../../transport/shm_transport.ts";
import { isendValue, valueOf } from "../../_message.ts";

const sab = createShm(layoutFor(2, MIN_RING_BYTES));
const a = new ShmTransport({ sab, rank: 0 });
const b = new ShmTransport({ sab, rank: 1 });

function exchange(u8: Uint8Array): Uint8Array {
  const s = isendValue(a, u8, 1, 0, 0, "isend");
  const r = b.irecv(0, 0, 0, null);
  for (let i = 0; i < 2_000_000 && !(s.done && r.done); i++) {
    a.test(s);
    b.test(r);
  }
  if (!r.done) throw new Error(`a message of ${u8.byteLength} bytes did not arrive`);
  return valueOf(b.wait(r)!, "wait") as Uint8Array;
}

// In the cell, in the ring, streamed: every branch on the payload's length sees small lengths first.
const sizes = [8, 1000, 3000, 100_000];
const arrays = sizes.map((n) => new Uint8Array(n).fill(n & 255));
for (let i = 0; i < 20_000; i++) {
  const got = exchange(arrays[i & 3]);
  if (got.byteLength !== sizes[i & 3] || got[got.byteLength - 1] !== (sizes[i & 3] & 255)) {
    throw new Error(`message ${i} of ${sizes[i & 3]} bytes arrived wrong`);
  }
}
const big = new Uint8Array(2 ** 31);
big[0] = 7;
big[big.length - 1] = 9;
const got = exchange(big);
if (got.byteLength !== 2 ** 31 || got[0] !== 7 || got[got.byteLength - 1] !== 9) throw new Error("2 GiB arrived wrong");
console.log("ok");
