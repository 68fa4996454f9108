// Browser image sources in Node, with stand-ins: which objects count as which kind, the size each is read
// at, every refusal (not loaded, no frame, 0x0, closed, detached, cross-origin), the one reused canvas,
// and ImageClassifier taking them. The real objects are tested in Chromium (test/browser/classifier.suite.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Graph } from '../../src/graph/ir.js';

type ImageSourceModule = typeof import('../../src/vision/image-source.js');
type ErrorsModule = typeof import('../../src/errors.js');

/** A fresh copy of the module (its scratch canvas not made yet) and the error classes it throws. */
async function fresh(): Promise<{ pixelsOf: ImageSourceModule['imageSourcePixels']; InputError: ErrorsModule['InputError'] }> {
  vi.resetModules();
  const m = await import('../../src/vision/image-source.js');
  const e = await import('../../src/errors.js');
  return { pixelsOf: m.imageSourcePixels, InputError: e.InputError };
}

/** An object that says it is a `tag` the way a browser object does (Object.prototype.toString), with `props`. */
function tagged<T extends object>(tag: string, props: T): T {
  return Object.assign(Object.create({ [Symbol.toStringTag]: tag }) as object, props) as T;
}

/** Stand-in sources carry the solid RGBA colour the fake canvas "draws", or an error for drawImage to throw. */
interface Paint { rgba?: [number, number, number, number]; drawError?: unknown }

class FakeContext {
  readonly draws: [unknown, number, number, number, number][] = [];
  clears = 0;
  private last: Paint | undefined;
  constructor(readonly canvas: FakeCanvas) {}
  clearRect(): void {
    this.clears++;
  }
  drawImage(src: Paint, x: number, y: number, w: number, h: number): void {
    if (src.drawError !== undefined) throw src.drawError;
    this.draws.push([src, x, y, w, h]);
    this.last = src;
  }
  getImageData(x: number, y: number, w: number, h: number): { width: number; height: number; data: Uint8ClampedArray } {
    const data = new Uint8ClampedArray(w * h * 4);
    for (let i = 0; i < w * h; i++) data.set(this.last?.rgba ?? [0, 0, 0, 0], i * 4);
    return { width: w, height: h, data };
  }
}

class FakeCanvas {
  static made: FakeCanvas[] = [];
  contextOptions: unknown;
  ctx: FakeContext | undefined;
  /** Every size it was given, construction included. */
  readonly sizes: string[] = [];
  private w: number;
  private h: number;
  constructor(w: number, h: number) {
    this.w = w;
    this.h = h;
    this.sizes.push(`${w}x${h}`);
    FakeCanvas.made.push(this);
  }
  get width(): number { return this.w; }
  set width(v: number) { this.w = v; this.sizes.push(`${this.w}x${this.h}`); }
  get height(): number { return this.h; }
  set height(v: number) { this.h = v; this.sizes.push(`${this.w}x${this.h}`); }
  getContext(type: string, options: unknown): FakeContext | null {
    if (type !== '2d') return null;
    this.contextOptions = options;
    return (this.ctx ??= new FakeContext(this));
  }
}

const RED: [number, number, number, number] = [200, 10, 20, 255];

const image = (p: Partial<HTMLImageElement> & Paint) => tagged('HTMLImageElement', { complete: true, naturalWidth: 4, naturalHeight: 3, width: 40, height: 30, src: 'http://x.test/cat.jpg', currentSrc: '', ...p });
const video = (p: Partial<HTMLVideoElement> & Paint) => tagged('HTMLVideoElement', { readyState: 4, videoWidth: 6, videoHeight: 2, width: 300, height: 150, ...p });
const frame = (p: Partial<VideoFrame> & Paint) => tagged('VideoFrame', { codedWidth: 4, codedHeight: 4, displayWidth: 8, displayHeight: 4, format: 'RGBA', ...p });
const sized = (tag: string, width: number, height: number, p: Paint = {}) => tagged(tag, { width, height, ...p });

beforeEach(() => {
  FakeCanvas.made = [];
  vi.stubGlobal('OffscreenCanvas', FakeCanvas);
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('imageSourcePixels: what counts as an image', () => {
  it('passes PixelImage-like objects (ImageData) through untouched and draws nothing', async () => {
    const { pixelsOf } = await fresh();
    const px = { width: 2, height: 1, data: new Uint8ClampedArray(8) };
    expect(pixelsOf(px, 'image 0')).toBe(px);
    // A 0x0 one too: preprocessing refuses it with its own message.
    const empty = { width: 0, height: 0, data: new Uint8Array(0) };
    expect(pixelsOf(empty, 'image 0')).toBe(empty);
    expect(FakeCanvas.made).toHaveLength(0);
  });

  it('answers undefined for what is no kind of image', async () => {
    const { pixelsOf } = await fresh();
    for (const v of [null, undefined, 3, 'cat.jpg', {}, { width: 2, height: 2 }, tagged('HTMLDivElement', { width: 2, height: 2 }), new Map()]) {
      expect(pixelsOf(v, 'image 0')).toBeUndefined();
    }
  });

  it('knows DOM classes by instanceof where the global exists (no tag needed)', async () => {
    class HTMLCanvasElement { width = 5; height = 7; rgba = RED; }
    vi.stubGlobal('HTMLCanvasElement', HTMLCanvasElement);
    const { pixelsOf } = await fresh();
    const px = pixelsOf(new HTMLCanvasElement(), 'image 0')!;
    expect([px.width, px.height, px.format]).toEqual([5, 7, 'RGBA']);
    expect(Array.from(px.data.subarray(0, 4))).toEqual(RED);
  });

  it('says when the pixel buffer was transferred away (detached), with expected and received', async () => {
    const { pixelsOf, InputError } = await fresh();
    const data = new Uint8ClampedArray(2 * 2 * 4);
    structuredClone(data.buffer, { transfer: [data.buffer] });
    expect(data.byteLength).toBe(0);
    const err = (() => { try { pixelsOf({ width: 2, height: 2, data }, 'image 3'); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(InputError);
    expect(err).toMatchObject({ expected: 'the pixels of a 2x2 image', received: '0 bytes' });
    expect((err as Error).message).toMatch(/^image 3: pixel data is empty \(was its buffer transferred/);
  });
});

describe('imageSourcePixels: sources that cannot be read refuse with an InputError naming them', () => {
  const cases: [string, () => object, RegExp, RegExp, RegExp][] = [
    ['an <img> still loading', () => image({ complete: false }), /the HTMLImageElement has not finished loading/, /await img\.decode\(\)/, /^complete = false, src http:\/\/x\.test\/cat\.jpg$/],
    ['a broken <img>', () => image({ naturalWidth: 0, naturalHeight: 0, src: '' }), /the HTMLImageElement has no pixels \(broken or empty src\)/, /naturalWidth, naturalHeight >= 1/, /^0x0, src \(no src\)$/],
    ['a <video> with no data yet', () => video({ readyState: 1 }), /the HTMLVideoElement has no current frame yet/, /HAVE_CURRENT_DATA \(2\)/, /^readyState 1, 6x2$/],
    ['a <video> with data but no size', () => video({ videoWidth: 0, videoHeight: 0 }), /the HTMLVideoElement has no current frame yet/, /videoWidth, videoHeight >= 1/, /^readyState 4, 0x0$/],
    ['a closed VideoFrame', () => frame({ codedWidth: 0, codedHeight: 0, displayWidth: 0, displayHeight: 0, format: null }), /the VideoFrame is closed or empty/, /an open VideoFrame/, /^coded 0x0, display 0x0$/],
    ['a 0x0 <canvas>', () => sized('HTMLCanvasElement', 0, 0), /the HTMLCanvasElement is empty/, /width, height >= 1/, /^0x0$/],
    ['a 0-wide OffscreenCanvas', () => sized('OffscreenCanvas', 0, 9), /the OffscreenCanvas is empty/, /width, height >= 1/, /^0x9$/],
    ['a closed ImageBitmap', () => sized('ImageBitmap', 0, 0), /the ImageBitmap is closed, transferred or empty/, /width, height >= 1/, /^0x0$/],
  ];
  it.each(cases)('%s', async (_, make, message, expected, received) => {
    const { pixelsOf, InputError } = await fresh();
    const err = (() => { try { pixelsOf(make(), 'image 2'); } catch (e) { return e; } })() as InstanceType<typeof InputError>;
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(new RegExp(`^image 2: ${message.source}`));
    expect(err.expected).toMatch(expected);
    expect(err.received).toMatch(received);
    // Refused before any canvas work.
    expect(FakeCanvas.made).toHaveLength(0);
  });

  it('maps what drawImage throws: cross-origin (tainted), detached, anything else with its cause', async () => {
    const { pixelsOf, InputError } = await fresh();
    const dom = (name: string) => Object.assign(new Error(`${name} from the browser`), { name });
    const attempt = (drawError: unknown) => { try { pixelsOf(image({ drawError }), 'image 0'); } catch (e) { return e as InstanceType<typeof InputError>; } throw new Error('accepted'); };
    const tainted = attempt(dom('SecurityError'));
    expect(tainted).toBeInstanceOf(InputError);
    expect(tainted.message).toMatch(/^image 0: the HTMLImageElement's pixels cannot be read: it holds a cross-origin image/);
    expect(tainted.expected).toMatch(/crossOrigin = "anonymous"/);
    expect(tainted.received).toBe('a tainted image');
    const detached = attempt(dom('InvalidStateError'));
    expect(detached.message).toMatch(/^image 0: the HTMLImageElement is detached or closed/);
    const other = attempt(new RangeError('canvas too large'));
    expect(other).toBeInstanceOf(InputError);
    expect(other.message).toMatch(/could not be read: canvas too large/);
    expect(other.expected).toBe('a 4x3 image the browser can draw');
    expect(other.received).toBe('RangeError');
    expect((other as Error & { cause?: unknown }).cause).toBeInstanceOf(RangeError);
  });
});

describe('imageSourcePixels: reading through one canvas', () => {
  it('reads each kind at its own pixel size: natural, video, display, canvas size', async () => {
    const { pixelsOf } = await fresh();
    const kinds: [object, number, number][] = [
      [image({ rgba: RED }), 4, 3], // naturalWidth, not the 40x30 layout size
      [video({ rgba: RED }), 6, 2], // videoWidth, not the element's 300x150
      [frame({ rgba: RED }), 8, 4], // displayWidth: the aspect the frame is shown at
      [sized('HTMLCanvasElement', 3, 3, { rgba: RED }), 3, 3],
      [sized('OffscreenCanvas', 2, 5, { rgba: RED }), 2, 5],
      [sized('ImageBitmap', 7, 1, { rgba: RED }), 7, 1],
    ];
    for (const [src, w, h] of kinds) {
      const px = pixelsOf(src, 'image 0')!;
      expect([px.width, px.height, px.format, px.data.length]).toEqual([w, h, 'RGBA', w * h * 4]);
      expect(Array.from(px.data.subarray(px.data.length - 4))).toEqual(RED);
      const draw = FakeCanvas.made[0].ctx!.draws.at(-1)!;
      expect(draw).toEqual([src, 0, 0, w, h]);
    }
  });

  it('makes one canvas with willReadFrequently, resizes it only when the size changes, and clears it otherwise', async () => {
    const { pixelsOf } = await fresh();
    pixelsOf(sized('ImageBitmap', 4, 4), 'image 0');
    pixelsOf(sized('ImageBitmap', 4, 4), 'image 0');
    pixelsOf(sized('ImageBitmap', 2, 6), 'image 0');
    expect(FakeCanvas.made).toHaveLength(1);
    const [canvas] = FakeCanvas.made;
    expect(canvas.contextOptions).toEqual({ willReadFrequently: true });
    expect(canvas.sizes).toEqual(['4x4', '2x4', '2x6']);
    // Cleared once: the second 4x4 read, which reused the canvas as it was.
    expect(canvas.ctx!.clears).toBe(1);
  });

  it('falls back to a document canvas without OffscreenCanvas, and says why when there is neither', async () => {
    vi.stubGlobal('OffscreenCanvas', undefined);
    let { pixelsOf, InputError } = await fresh();
    expect(() => pixelsOf(sized('HTMLCanvasElement', 2, 2), 'image 1')).toThrow(InputError);
    expect(() => pixelsOf(sized('HTMLCanvasElement', 2, 2), 'image 1')).toThrow(/^image 1: cannot read the pixels of a HTMLCanvasElement here \(expected OffscreenCanvas or a document, received neither\)$/);

    const created: string[] = [];
    vi.stubGlobal('document', { createElement: (tag: string) => { created.push(tag); return new FakeCanvas(300, 150); } });
    ({ pixelsOf, InputError } = await fresh());
    const px = pixelsOf(sized('HTMLCanvasElement', 2, 2, { rgba: RED }), 'image 1')!;
    expect([px.width, px.height]).toEqual([2, 2]);
    expect(created).toEqual(['canvas']);
    expect(FakeCanvas.made[0].sizes).toEqual(['300x150', '2x150', '2x2']);
  });
});

describe('ImageClassifier with browser sources', () => {
  // A 3-class colour model: mean colour (0..1) x 4 as logits; 2x2 RGB input, stretched.
  const graph = (): Graph => ({
    nodes: [
      { name: 'gap', op: 'GlobalAveragePool', inputs: ['x'], outputs: ['pooled'], attrs: {} },
      { name: 'flat', op: 'Reshape', inputs: ['pooled'], outputs: ['features'], attrs: { shape: [0, 3] } },
      { name: 'fc', op: 'MatMul', inputs: ['features', 'w'], outputs: ['y'], attrs: {} },
    ],
    inputs: [{ name: 'x', shape: [-1, 2, 2, 3] }],
    outputs: [{ name: 'y', shape: [-1, 3] }],
    constants: new Map([['w', { shape: [3, 3], dtype: 'f32' as const, data: Float32Array.of(4, 0, 0, 0, 4, 0, 0, 0, 4) }]]),
    metadata: {
      name: 'colours', labels: ['red', 'green', 'blue'], outputKind: 'logits',
      preprocess: { width: 2, height: 2, channels: 3, colorOrder: 'RGB', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch', crop: 'none' },
    },
  });

  it('classifies a canvas, a frame and an <img> as it classifies their pixels, and names a refused one by its position', async () => {
    vi.resetModules();
    const { ImageClassifier } = await import('../../src/vision/classifier.js');
    const { InputError } = await import('../../src/errors.js');
    const c = await ImageClassifier.create(graph(), { backend: 'js' });
    const green: [number, number, number, number] = [10, 220, 30, 255];
    const pixels = { width: 5, height: 3, data: new Uint8Array(5 * 3 * 4).map((_, i) => green[i % 4]) };
    const want = await c.classify(pixels);
    expect(want[0].label).toBe('green');
    const sources = [sized('HTMLCanvasElement', 5, 3, { rgba: green }), frame({ displayWidth: 5, displayHeight: 3, rgba: green }), image({ naturalWidth: 5, naturalHeight: 3, rgba: green })];
    const got = await c.classifyBatch(sources as never[]);
    for (const g of got) expect(g).toEqual(want);

    const err = await c.classifyBatch([pixels, image({ complete: false }) as never]).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/^image 1: the HTMLImageElement has not finished loading/);
    const notImage = await c.classify({ pixels: [1] } as never).catch((e) => e);
    expect(notImage.expected).toMatch(/ImageData.*HTMLImageElement, HTMLCanvasElement, OffscreenCanvas, ImageBitmap, VideoFrame, HTMLVideoElement.*Tensor/);
    c.dispose();
  });
});
