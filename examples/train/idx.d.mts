// Types of idx.mjs, so TypeScript tests can use the same reader.
export declare const FASHION_DIR: string;
export interface Idx { readonly dims: number[]; readonly data: Uint8Array }
export declare function parseIdx(bytes: Uint8Array, what: string): Idx;
export declare function readIdxGz(path: string): Idx;
export interface FashionSplit {
  readonly count: number;
  /** count x 28 x 28 pixels, 0..255, row-major. */
  readonly images: Uint8Array;
  /** Classes 0..9. */
  readonly labels: Uint8Array;
}
export declare function loadFashion(split: 'train' | 't10k', dir?: string): FashionSplit;
