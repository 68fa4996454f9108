#!/usr/bin/env node
// Writes icon-maskable-512.png: icon.svg's camera drawn for a "maskable" manifest icon. A launcher crops such an
// icon to its own shape (circle, squircle, rounded square), keeping at least the centred circle of 40 % of the
// size in radius (the "safe zone" of the W3C manifest spec), so the background fills the whole square (no
// transparency, no rounded corners) and the glyph stays inside that circle, here within 30 % of the size.
// Usage, from the repository root: node examples/pwa-camera/make-maskable-icon.mjs
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const SIZE = 512;
const SAMPLES = 4; // per axis: 16 samples a pixel, for smooth edges
const BACKGROUND = [0x1d, 0x35, 0x57];
const LIGHT = [0xf1, 0xfa, 0xee];
const RED = [0xe6, 0x39, 0x46];
// icon.svg's glyph (its 100-unit box) shrunk about the centre: its farthest point, a corner of the top bar,
// is 39.4 units out there, 0.75 of that is under 30.
const GLYPH_SCALE = 0.75;

/** The colour at (x, y) in icon.svg's 100-unit coordinates. */
function colourAt(x, y) {
  const d = Math.hypot(x - 50, y - 52);
  if (d <= 9) return RED;
  if (d >= 20 && d <= 28) return LIGHT;
  // The bar: x 30..70, y 16..26, corners rounded by 4.
  const qx = Math.max(Math.abs(x - 50) - 16, 0), qy = Math.max(Math.abs(y - 21) - 1, 0);
  if (Math.hypot(qx, qy) <= 4) return LIGHT;
  return BACKGROUND;
}

function render() {
  const rgba = new Uint8Array(SIZE * SIZE * 4);
  for (let py = 0; py < SIZE; py++) {
    for (let px = 0; px < SIZE; px++) {
      const sum = [0, 0, 0];
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const u = ((px + (sx + 0.5) / SAMPLES) / SIZE) * 100, v = ((py + (sy + 0.5) / SAMPLES) / SIZE) * 100;
          const c = colourAt(50 + (u - 50) / GLYPH_SCALE, 50 + (v - 50) / GLYPH_SCALE);
          for (let k = 0; k < 3; k++) sum[k] += c[k];
        }
      }
      const o = (py * SIZE + px) * 4;
      for (let k = 0; k < 3; k++) rgba[o + k] = Math.round(sum[k] / (SAMPLES * SAMPLES));
      rgba[o + 3] = 255;
    }
  }
  return rgba;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** An 8-bit RGBA PNG, every row with filter 0. */
export function encodePng(rgba, width, height) {
  const raw = Buffer.alloc(height * (1 + width * 4));
  for (let y = 0; y < height; y++) {
    raw[y * (1 + width * 4)] = 0;
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (1 + width * 4) + 1);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0)),
  ]);
}

const out = new URL('./icon-maskable-512.png', import.meta.url);
writeFileSync(out, encodePng(render(), SIZE, SIZE));
console.log(`wrote ${out.pathname}`);
