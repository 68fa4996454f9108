// The size budget of an import: every tensor an importer computes (folded, broadcast, dequantized,
// transposed, materialised as an IR constant) is checked here BEFORE its memory is taken. A few hundred
// bytes of ONNX can ask for 2^30 elements (ConstantOfShape) or double a tensor 26 times (Concat); what
// a model legitimately computes at import is proportional to its own size (its weights, re-laid out or
// dequantized), so the budget is a fixed allowance plus a multiple of the source's bytes.
import { ModelFormatError } from '../errors.js';
import { MAX_TENSOR_ELEMENTS } from '../format/layout.js';

/** Largest tensor (elements) an importer builds: the .eim format's own limit. */
export const MAX_CONST_ELEMENTS = MAX_TENSOR_ELEMENTS;
/** Bytes every import may compute whatever its size (shape plumbing, small folded weights). */
export const FREE_IMPORT_BYTES = 64 * 2 ** 20;
/** Beyond the allowance, bytes computed per byte of source model (int8 dequantized is 4x, plus re-layouts). */
export const IMPORT_BYTES_PER_SOURCE_BYTE = 8;
/** Never more than this in all, whatever the source size. */
export const MAX_IMPORT_BYTES = 2 * 2 ** 30;

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

export class ImportBudget {
  /** Bytes the whole import may compute. */
  readonly limit: number;
  used = 0;

  constructor(sourceBytes: number) {
    this.limit = Math.min(MAX_IMPORT_BYTES, FREE_IMPORT_BYTES + IMPORT_BYTES_PER_SOURCE_BYTE * Math.max(0, sourceBytes));
  }

  /**
   * Reserves a tensor of `dims` at `bytesPerElement`; throws a ModelFormatError naming `what` (the
   * node) and the size when it is malformed or over the budget. Returns its element count.
   */
  take(dims: readonly number[], bytesPerElement: number, what: string, where: string): number {
    let n = 1;
    for (const d of dims) {
      if (!Number.isSafeInteger(d) || d < 0) throw new ModelFormatError(`${what}: invalid dimension ${d} in [${dims}]`, where);
      n *= d;
    }
    if (!Number.isSafeInteger(n) || n > MAX_CONST_ELEMENTS) {
      throw new ModelFormatError(`${what}: a constant of shape [${dims}] has ${n} elements, over the limit of ${MAX_CONST_ELEMENTS} per tensor`, where);
    }
    const bytes = n * bytesPerElement;
    if (this.used + bytes > this.limit) {
      throw new ModelFormatError(`${what}: a constant of shape [${dims}] (${n} elements, ${mib(bytes)}) would take the import past its budget `
        + `of ${mib(this.limit)} of computed tensors (${mib(this.used)} used; ${mib(FREE_IMPORT_BYTES)} plus ${IMPORT_BYTES_PER_SOURCE_BYTE}x the model's size)`, where);
    }
    this.used += bytes;
    return n;
  }
}
