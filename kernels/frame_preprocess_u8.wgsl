// A video frame -> the model's input, equal bit for bit to the CPU preprocess (src/vision/preprocess.ts,
// resize.ts), one output pixel per invocation: Pillow's separable bilinear filter with the host's fixed-point
// taps (2^-22 units): each source row the y taps reach is filtered along x and rounded to uint8 (Pillow's
// horizontal pass), then those rows along y. On an axis that keeps its size, weights 2^22 and 0 give the
// CPU's plain copy. dst[(y * out_w + x) * C + c] = lut[c * 256 + v[order[c]]] (NHWC f32, batch
// item 0). src: RGBA8 rows of row_words u32 (copyTextureToBuffer's 256-byte rows). taps: x's start[out_w],
// count[out_w], weights[out_w * x_stride], then y's likewise from y_base. Bindings: 0 src, 1 taps, 2 lut, 3 dst, 4 params.
// #include "lib/grid.wgsl"
override WG: u32 = 64u;
// Pillow adds half a unit before the 22-bit shift.
const HALF = 2097152;

struct Params {
  row_words: u32, channels: u32, out_w: u32, out_h: u32,
  x_stride: u32, y_base: u32, y_stride: u32, pad0: u32,
  order: vec4u,
}
@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read> taps: array<i32>;
@group(0) @binding(2) var<storage, read> lut: array<f32>; // stays f32: the host writes it
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

// Pillow's clip8: <= 0 -> 0, >= 256 << 22 -> 255, else >> 22 (arithmetic, so negatives stay < 0).
fn clip8(acc: vec3i) -> vec3i {
  return clamp(acc >> vec3u(22u), vec3i(0), vec3i(255));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = flat_group(wid, nwg) * WG + li;
  if (i >= p.out_w * p.out_h) { return; }
  let x = i % p.out_w;
  // y indexes y's start and count; xw and yw are where the weights of x and y begin.
  let y = p.y_base + i / p.out_w;
  let xw = 2u * p.out_w + x * p.x_stride;
  let yw = p.y_base + 2u * p.out_h + (i / p.out_w) * p.y_stride;
  var acc = vec3i(HALF);
  for (var r = 0u; r < u32(taps[y + p.out_h]); r++) {
    let base = (u32(taps[y]) + r) * p.row_words + u32(taps[x]);
    var row = vec3i(HALF);
    for (var t = 0u; t < u32(taps[x + p.out_w]); t++) {
      let w = src[base + t];
      var c = vec3i(vec3u(w, w >> 8u, w >> 16u) & vec3u(255u));
      // Gray models filter Pillow's 16-bit fixed-point luma (convert('L')), taken before resizing as on the CPU.
      if (p.channels == 1u) { c = vec3i((c.x * 19595 + c.y * 38470 + c.z * 7471 + 32768) >> 16u, 0, 0); }
      row += c * taps[xw + t];
    }
    acc += clip8(row) * taps[yw + r];
  }
  let v = clip8(acc);
  for (var c = 0u; c < p.channels; c++) { dst[i * p.channels + c] = lut[c * 256u + u32(v[p.order[c]])]; }
}
