/**
 * Tests of examples/scatter/png.ts: PNG structure, CRCs (against a
 * bit-by-bit CRC-32 written here), IDAT payload, colour map and field
 * rendering orientation.
 */

import assert from "node:assert/strict";
import { crc32 as zlibCrc32, inflateSync } from "node:zlib";
import { divergingColor, encodePng, PNG_SIGNATURE, renderField, type RgbImage } from "../../examples/scatter/png.ts";

interface Chunk {
  type: string;
  data: Uint8Array;
  crc: number;
  crcInput: Uint8Array;
}

function parseChunks(png: Uint8Array): Chunk[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: Chunk[] = [];
  let off = 8;
  while (off < png.length) {
    const len = view.getUint32(off);
    const type = String.fromCharCode(...png.subarray(off + 4, off + 8));
    const data = png.subarray(off + 8, off + 8 + len);
    const crc = view.getUint32(off + 8 + len);
    chunks.push({ type, data, crc, crcInput: png.subarray(off + 4, off + 8 + len) });
    off += 12 + len;
  }
  assert.equal(off, png.length, "chunks end exactly at the end of the file");
  return chunks;
}

function testImage(width: number, height: number): RgbImage {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 37 + (i >> 5)) & 0xff;
  return { width, height, rgb };
}

/**
 * CRC-32 bit by bit (reflected polynomial 0xEDB88320), independent of the
 * `node:zlib` `crc32` the encoder uses.
 */
function referenceCrc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

Deno.test("chunk CRCs: the CRC-32 check value, IEND's well-known CRC", () => {
  assert.equal(referenceCrc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  assert.equal(zlibCrc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  const png = encodePng(testImage(2, 2));
  // Every PNG ends with the same IEND chunk: length 0, "IEND", CRC AE 42 60 82.
  assert.deepEqual([...png.subarray(png.length - 12)], [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
});

Deno.test("PNG: signature, chunks, CRCs, IHDR and IDAT payload", () => {
  for (const [w, h] of [[1, 1], [3, 2], [129, 129], [50, 7]]) {
    const img = testImage(w, h);
    const png = encodePng(img);
    assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
    assert.deepEqual(
      [...png.subarray(0, 8)],
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    );
    const chunks = parseChunks(png);
    assert.deepEqual(chunks.map((c) => c.type), ["IHDR", "IDAT", "IEND"]);
    for (const c of chunks) {
      assert.equal(c.crc, referenceCrc32(c.crcInput), `CRC of ${c.type}`);
    }
    const ihdr = new DataView(chunks[0].data.buffer, chunks[0].data.byteOffset);
    assert.equal(chunks[0].data.length, 13);
    assert.equal(ihdr.getUint32(0), w);
    assert.equal(ihdr.getUint32(4), h);
    assert.deepEqual([...chunks[0].data.subarray(8)], [8, 2, 0, 0, 0]);
    assert.equal(chunks[2].data.length, 0);

    const raw = new Uint8Array(inflateSync(chunks[1].data));
    assert.equal(raw.length, h * (1 + 3 * w));
    for (let y = 0; y < h; y++) {
      const o = y * (1 + 3 * w);
      assert.equal(raw[o], 0, "filter type 0");
      assert.deepEqual(
        raw.subarray(o + 1, o + 1 + 3 * w),
        img.rgb.subarray(y * 3 * w, (y + 1) * 3 * w),
      );
    }
  }
  assert.throws(
    () => encodePng({ width: 2, height: 2, rgb: new Uint8Array(11) }),
    RangeError,
  );
  assert.throws(
    () => encodePng({ width: 0, height: 2, rgb: new Uint8Array(0) }),
    RangeError,
  );
});

Deno.test("diverging colour map: blue, white, red, clamped", () => {
  const [r0, g0, b0] = divergingColor(0);
  assert.ok(r0 > 230 && g0 > 230 && b0 > 230, "0 is near white");
  const [rn, , bn] = divergingColor(-1);
  assert.ok(bn > rn + 80, "−1 is blue");
  const [rp, , bp] = divergingColor(1);
  assert.ok(rp > bp + 80, "+1 is red");
  assert.deepEqual(divergingColor(5), divergingColor(1));
  assert.deepEqual(divergingColor(-5), divergingColor(-1));
  assert.deepEqual(divergingColor(NaN), divergingColor(0));
  // Monotone: red channel rises and blue channel falls with v.
  let prev = divergingColor(-1);
  for (let v = -0.95; v <= 1.0001; v += 0.05) {
    const c = divergingColor(v);
    for (const x of c) assert.ok(Number.isInteger(x) && x >= 0 && x <= 255);
    if (v <= 0) assert.ok(c[0] >= prev[0], `red rises at ${v}`);
    if (v >= 0.05) assert.ok(c[2] <= prev[2], `blue falls at ${v}`);
    prev = c;
  }
});

Deno.test("renderField: y up, inside grey, symmetric scale", () => {
  // 3 x 2 grid: row j = 0 (bottom) negative, row j = 1 (top) positive.
  const nx1 = 3, ny1 = 2;
  const re = new Float64Array([-1, -1, -1, 1, 1, 1]);
  const inside = new Uint8Array([0, 0, 0, 0, 1, 0]);
  const img = renderField(re, nx1, ny1, { inside, scale: 1 });
  assert.equal(img.width, 3);
  assert.equal(img.height, 2);
  const px = (x: number, y: number) => [...img.rgb.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3)];
  // Image row 0 is the top of the domain (j = ny1 − 1): red.
  assert.deepEqual(px(0, 0), divergingColor(1));
  assert.deepEqual(px(2, 0), divergingColor(1));
  assert.deepEqual(px(1, 0), [64, 64, 64], "inside point is grey");
  // Bottom row: blue.
  assert.deepEqual(px(0, 1), divergingColor(-1));

  // Default scale: a percentile of |re| over outside points only, so
  // the huge value inside does not matter, and re → −re mirrors colours.
  const n = 100;
  const f = new Float64Array(n);
  for (let k = 0; k < n; k++) f[k] = Math.sin(k) * 2;
  const mask = new Uint8Array(n);
  mask[50] = 1;
  f[50] = 1e9;
  const a = renderField(f, 10, 10, { inside: mask });
  assert.ok(a.scale > 1.5 && a.scale <= 2, `scale ${a.scale}`);
  const g = f.map((v) => -v);
  const b = renderField(g, 10, 10, { inside: mask });
  assert.equal(b.scale, a.scale);
  for (let p = 0; p < n; p++) {
    const ca = [...a.rgb.subarray(3 * p, 3 * p + 3)];
    const cb = [...b.rgb.subarray(3 * p, 3 * p + 3)];
    const row = 9 - Math.floor(p / 10);
    const k = row * 10 + (p % 10);
    if (mask[k]) {
      assert.deepEqual(ca, [64, 64, 64]);
    } else {
      assert.deepEqual(ca, divergingColor(f[k] / a.scale));
      assert.deepEqual(cb, divergingColor(-f[k] / a.scale));
    }
  }

  // Zoom replicates pixels.
  const z = renderField(re, nx1, ny1, { inside, scale: 1, zoom: 3 });
  assert.equal(z.width, 9);
  assert.equal(z.height, 6);
  assert.deepEqual([...z.rgb.subarray(0, 3)], divergingColor(1));
  assert.deepEqual(
    [...z.rgb.subarray((5 * 9 + 8) * 3, (5 * 9 + 8) * 3 + 3)],
    divergingColor(-1),
  );
  assert.throws(() => renderField(re, 4, 2), RangeError);
  assert.throws(() => renderField(re, 3, 2, { zoom: 0 }), RangeError);
});
