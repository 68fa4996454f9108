// Flat workgroup index of a 1-D job whose groups the host folded into (x, y) past the per-dimension
// limit (65535): the host dispatches x = min(groups, limit), y = ceil(groups / x).
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 {
  return wid.y * nwg.x + wid.x;
}
