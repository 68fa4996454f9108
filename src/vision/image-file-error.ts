// What the header readers of our image decoders (jpeg-header.ts, node-png.ts) throw; node-image.ts wraps
// it into an InputError naming the file.

/** An image file that cannot be decoded; `truncated` when its data ends early. */
export class ImageFileError extends Error {
  readonly truncated: boolean;
  constructor(message: string, truncated = false) {
    super(message);
    this.name = 'ImageFileError';
    this.truncated = truncated;
  }
}
