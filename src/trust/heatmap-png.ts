// Node only: a heatmap overlay (heatmap.ts) as PNG bytes. The encoder writes 8-bit RGBA, every row with
// filter 0 (none), deflated by node:zlib: the overlay's smooth colours compress well enough without the
// per-row filter search, and the output is what any decoder (ours in node-png.ts included) reads.
import { deflateSync } from 'node:zlib';
import { crc32Update } from '../format/crc32.js';
import { renderHeatmap, type Heatmap, type OverlayOptions, type RgbaImage } from './heatmap.js';
import type { PixelImage } from '../vision/preprocess.js';

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32Update(0, out, 4, 8 + body.length));
  return out;
}

/** RGBA pixels as a PNG file. */
export function encodePng(image: RgbaImage): Uint8Array {
  const { width, height, data } = image;
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8);   // depth 8, RGBA, deflate, adaptive filtering, no interlace
  const row = width * 4;
  const raw = new Uint8Array((row + 1) * height);
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * row, (y + 1) * row), y * (row + 1) + 1);
  const parts = [Uint8Array.from(SIGNATURE), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** The heatmap over `image` (see renderHeatmap) as PNG bytes. */
export function heatmapPng(map: Heatmap, image?: PixelImage, options?: OverlayOptions): Uint8Array {
  return encodePng(renderHeatmap(map, image, options));
}
