// Data movement. gather_nd_f32: y (dense, `rank` axes) takes y[i0..ir] = x[sum_a map_a[i_a]] with
// per-axis element-offset tables from the host (-1 = the constant `value`); covers Transpose, Split
// and Pad in every mode. copy2d_f32: rows of `run` floats between two row strides (Concat).

/**
 * params (i32): dims[rank], idx[rank] (scratch for the odometer), then the tables map_0..map_{rank-1}
 * (dims[a] entries each). `contiguous`: the innermost table is a run start + i with no -1.
 */
export function gather_nd_f32(rank: i32, params: usize, x: usize, y: usize, value: f32, contiguous: bool): void {
  const dims = params, idx = params + (<usize>rank << 2);
  const inner = load<i32>(dims + (<usize>(rank - 1) << 2));
  let total: i32 = 1;
  let innerMap = idx + (<usize>rank << 2);
  for (let a = 0; a < rank; a++) {
    store<i32>(idx + (<usize>a << 2), 0);
    if (a < rank - 1) innerMap += <usize>load<i32>(dims + (<usize>a << 2)) << 2;
    total *= load<i32>(dims + (<usize>a << 2));
  }
  const runs = total / inner;
  const runB = <usize>inner << 2;
  for (let r = 0; r < runs; r++) {
    let base: i32 = 0;
    let constant = false;
    let map = idx + (<usize>rank << 2);
    for (let a = 0; a < rank - 1; a++) {
      const m = load<i32>(map + (<usize>load<i32>(idx + (<usize>a << 2)) << 2));
      if (m < 0) constant = true;
      base += m;
      map += <usize>load<i32>(dims + (<usize>a << 2)) << 2;
    }
    if (constant) {
      for (let i = 0; i < inner; i++) store<f32>(y + (<usize>i << 2), value);
    } else if (contiguous) {
      memory.copy(y, x + (<usize>(base + load<i32>(innerMap)) << 2), runB);
    } else {
      for (let i = 0; i < inner; i++) {
        const m = load<i32>(innerMap + (<usize>i << 2));
        store<f32>(y + (<usize>i << 2), m < 0 ? value : load<f32>(x + (<usize>(base + m) << 2)));
      }
    }
    y += runB;
    // Advance the odometer over the outer axes, last fastest.
    for (let a = rank - 2; a >= 0; a--) {
      const p = idx + (<usize>a << 2);
      const v = load<i32>(p) + 1;
      if (v < load<i32>(dims + (<usize>a << 2))) { store<i32>(p, v); break; }
      store<i32>(p, 0);
    }
  }
}

/** y[r*ys + i] = x[r*xs + i] for r < rows, i < run (strides in elements). */
export function copy2d_f32(x: usize, xs: i32, y: usize, ys: i32, rows: i32, run: i32): void {
  const runB = <usize>run << 2, xsB = <usize>xs << 2, ysB = <usize>ys << 2;
  for (let r = 0; r < rows; r++) {
    memory.copy(y, x, runB);
    x += xsB;
    y += ysB;
  }
}
