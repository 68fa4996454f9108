// Rank <= 8 index arithmetic on dims packed as array<vec4u, 2> (uniform arrays need 16-byte elements).
// Axis d lives at v[d / 4][d % 4]; the host pads unused axes with extent 1 and stride 0.
alias Dims8 = array<vec4u, 2>;

fn dim8(v: Dims8, d: u32) -> u32 {
  return v[d >> 2u][d & 3u];
}

/** Offset of row-major element i of `shape` in a tensor with element strides `strides`. */
fn strided_offset(i: u32, rank: u32, shape: Dims8, strides: Dims8) -> u32 {
  var rem = i;
  var off = 0u;
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let e = dim8(shape, u32(d));
    off += (rem % e) * dim8(strides, u32(d));
    rem /= e;
  }
  return off;
}
