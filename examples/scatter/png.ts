/**
 * Minimal PNG output for the wave-scattering example: an RGB 8-bit PNG
 * encoder (filter type 0 on every scanline; the zlib stream from
 * `node:zlib`'s `deflateSync`, each chunk's CRC-32 from its `crc32`), a
 * diverging blue–white–red colour map, and {@linkcode renderField}, which
 * turns the real part of the total field into an image.
 *
 * @module
 */

import { crc32, deflateSync } from "node:zlib";

/** An 8-bit RGB image, row-major from the top row, 3 bytes per pixel. */
export interface RgbImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** width·height·3 bytes, R G B per pixel, row 0 is the top row. */
  rgb: Uint8Array;
}

/** The 8-byte PNG file signature. */
export const PNG_SIGNATURE: Uint8Array = new Uint8Array([
  0x89,
  0x50,
  0x4e,
  0x47,
  0x0d,
  0x0a,
  0x1a,
  0x0a,
]);

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  // PNG's CRC covers the type and the data, not the length.
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * Encodes an 8-bit RGB image as a PNG file (colour type 2, no interlace,
 * filter type 0 on every scanline).
 *
 * @param image the image; `rgb` must hold width·height·3 bytes
 * @returns the PNG file bytes
 * @throws {RangeError} on bad dimensions or a wrong buffer size
 */
export function encodePng(image: RgbImage): Uint8Array {
  const { width, height, rgb } = image;
  if (
    !Number.isInteger(width) || !Number.isInteger(height) || width < 1 ||
    height < 1 || width > 0x7fffffff || height > 0x7fffffff
  ) {
    throw new RangeError(`bad image size ${width}x${height}`);
  }
  const rowBytes = width * 3;
  if (rgb.length !== rowBytes * height) {
    throw new RangeError(
      `rgb has ${rgb.length} bytes, expected ${rowBytes * height}`,
    );
  }
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0
  ihdr[12] = 0; // no interlace

  const raw = new Uint8Array((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    const o = y * (rowBytes + 1);
    raw[o] = 0; // filter type None
    raw.set(rgb.subarray(y * rowBytes, (y + 1) * rowBytes), o + 1);
  }
  const idat = new Uint8Array(deflateSync(raw));

  const parts = [
    PNG_SIGNATURE,
    chunk("IHDR", ihdr),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array(0)),
  ];
  const total = parts.reduce((n, p) => n + p.length, 0);
  const png = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    png.set(p, off);
    off += p.length;
  }
  return png;
}

/** Anchor colours of the diverging map at v = −1, −0.5, 0, 0.5, 1. */
const ANCHORS: readonly (readonly [number, number, number])[] = [
  [23, 54, 140],
  [86, 150, 215],
  [247, 247, 247],
  [228, 110, 80],
  [150, 18, 36],
];

/**
 * Diverging blue–white–red colour map: −1 → dark blue, 0 → near white,
 * +1 → dark red, piecewise linear through light blue and light red.
 * Values outside [−1, 1] are clamped; NaN maps to white.
 *
 * @param v value, normally in [−1, 1]
 * @returns `[r, g, b]` bytes
 */
export function divergingColor(v: number): [number, number, number] {
  const c = v > 1 ? 1 : v < -1 ? -1 : v === v ? v : 0;
  const pos = (c + 1) * 2; // 0..4
  const i = Math.min(3, Math.floor(pos));
  const f = pos - i;
  const a = ANCHORS[i];
  const b = ANCHORS[i + 1];
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}

/** Options of {@linkcode renderField}. */
export interface RenderOptions {
  /** 1 for grid points inside the obstacle (drawn in {@linkcode insideColor}). */
  inside?: Uint8Array;
  /**
   * Field value mapped to full colour; default: the `percentile` of |re|
   * over the points outside the obstacle.
   */
  scale?: number;
  /** Percentile (0..100) of |re| used for the default scale; default 99. */
  percentile?: number;
  /** Integer pixel magnification (nearest neighbour); default 1. */
  zoom?: number;
  /** Colour of inside points; default dark grey [64, 64, 64]. */
  insideColor?: readonly [number, number, number];
}

/**
 * Renders the real part of a field on the (ny1 × nx1) grid as an RGB image
 * with a symmetric diverging colour scale around 0. The field is flattened
 * k = j·nx1 + i with j the y index; y points up, so image row 0 is the top
 * of the domain (j = ny1 − 1, y = ymax).
 *
 * @param re real part of the field, nx1·ny1 values
 * @param nx1 grid points in x
 * @param ny1 grid points in y
 * @param options inside mask, colour scale, zoom
 * @returns the image and the scale used (|re| ≥ scale saturates)
 * @throws {RangeError} if the array sizes do not match the grid
 */
export function renderField(
  re: ArrayLike<number>,
  nx1: number,
  ny1: number,
  options: RenderOptions = {},
): RgbImage & { scale: number } {
  const n = nx1 * ny1;
  if (re.length !== n) {
    throw new RangeError(`re has ${re.length} values, expected ${n}`);
  }
  const inside = options.inside;
  if (inside && inside.length !== n) {
    throw new RangeError(`inside has ${inside.length} values, expected ${n}`);
  }
  const zoom = options.zoom ?? 1;
  if (!Number.isInteger(zoom) || zoom < 1) {
    throw new RangeError(`zoom must be a positive integer, got ${zoom}`);
  }
  const grey = options.insideColor ?? [64, 64, 64];

  let scale = options.scale ?? 0;
  if (!(scale > 0)) {
    const mags: number[] = [];
    for (let k = 0; k < n; k++) {
      if (!(inside && inside[k])) mags.push(Math.abs(re[k]));
    }
    mags.sort((a, b) => a - b);
    const pct = options.percentile ?? 99;
    if (mags.length > 0) {
      const at = Math.min(
        mags.length - 1,
        Math.max(0, Math.round((pct / 100) * (mags.length - 1))),
      );
      scale = mags[at];
    }
    if (!(scale > 0)) scale = 1;
  }

  const width = nx1 * zoom;
  const height = ny1 * zoom;
  const rgb = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    const j = ny1 - 1 - Math.floor(row / zoom);
    for (let col = 0; col < width; col++) {
      const k = j * nx1 + Math.floor(col / zoom);
      const c = inside && inside[k] ? grey : divergingColor(re[k] / scale);
      const o = (row * width + col) * 3;
      rgb[o] = c[0];
      rgb[o + 1] = c[1];
      rgb[o + 2] = c[2];
    }
  }
  return { width, height, rgb, scale };
}
