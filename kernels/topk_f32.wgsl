// The k best of scores[0..n), best first, ranked as src/vision/topk.ts ranks: higher score first, the lower
// index on ties; when `filtered`, only classes whose bit is set in keep (bit i % 32 of word i / 32) compete.
// One workgroup: round j reduces to the best class ranking after round j-1's (a strict total order, so no
// class is found twice). out: k scores, then k indices as f32 (-1 once the kept classes run out). Non-finite
// scores are outside the contract (WGSL may assume none). Bindings: 0 scores, 1 keep, 2 out, 3 params;
// dispatch (1, 1, 1).
const WG = 128u;
// "No class": ranks after every class, since scores are finite (>= -F32_MAX) and indices below NONE.
const NONE = 0xffffffffu;
const F32_MAX = 3.4028234663852886e38;

struct Params { n: u32, k: u32, filtered: u32, pad0: u32 }
@group(0) @binding(0) var<storage, read> scores: array<f32>;
@group(0) @binding(1) var<storage, read> keep: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>; // stays f32: the host reads it back
@group(0) @binding(3) var<uniform> p: Params;

var<workgroup> red_v: array<f32, WG>;
var<workgroup> red_i: array<u32, WG>;

fn ranks_before(va: f32, ia: u32, vb: f32, ib: u32) -> bool {
  return va > vb || (va == vb && ia < ib);
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32) {
  var pv = -F32_MAX;
  var pi = NONE;
  for (var j = 0u; j < p.k; j++) {
    var bv = -F32_MAX;
    var bi = NONE;
    for (var i = li; i < p.n; i += WG) {
      let v = scores[i];
      if ((p.filtered == 0u || (keep[i >> 5u] & (1u << (i & 31u))) != 0u) && (j == 0u || ranks_before(pv, pi, v, i)) && ranks_before(v, i, bv, bi)) {
        bv = v;
        bi = i;
      }
    }
    red_v[li] = bv;
    red_i[li] = bi;
    workgroupBarrier();
    for (var half = WG / 2u; half > 0u; half /= 2u) {
      if (li < half && ranks_before(red_v[li + half], red_i[li + half], red_v[li], red_i[li])) {
        red_v[li] = red_v[li + half];
        red_i[li] = red_i[li + half];
      }
      workgroupBarrier();
    }
    pv = red_v[0];
    pi = red_i[0];
    workgroupBarrier();
    if (li == 0u) {
      out[j] = pv;
      out[p.k + j] = select(f32(pi), -1.0, pi == NONE);
    }
  }
}
