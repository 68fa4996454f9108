// Every kind of browser image source, made from one photo URL: each is the real object of its type
// (a decoded <img>, a canvas with the photo drawn, a VideoFrame...), never pixels in disguise.
// Works in pages; in workers only the kinds without DOM elements exist.

export const SOURCE_KINDS = [
  'ImageData', 'HTMLImageElement', 'HTMLCanvasElement', 'OffscreenCanvas', 'ImageBitmap', 'VideoFrame', 'HTMLVideoElement',
];

async function bitmapOf(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return createImageBitmap(await res.blob());
}

/** RGBA pixels of the photo as the browser decodes it (what ImageData from a canvas holds). */
export async function imageDataOf(url) {
  const bmp = await bitmapOf(url);
  const c = new OffscreenCanvas(bmp.width, bmp.height);
  const g = c.getContext('2d');
  g.drawImage(bmp, 0, 0);
  bmp.close();
  return g.getImageData(0, 0, c.width, c.height);
}

function canvasWith(bmp) {
  const c = document.createElement('canvas');
  c.width = bmp.width;
  c.height = bmp.height;
  c.getContext('2d').drawImage(bmp, 0, 0);
  return c;
}

/** A playing <video> whose current frame is the photo (a canvas stream: headless Chromium has no codecs to rely on). */
async function videoOf(bmp) {
  const canvas = canvasWith(bmp);
  const stream = canvas.captureStream(0);
  const video = document.createElement('video');
  video.muted = true;
  video.srcObject = stream;
  const ready = new Promise((resolve, reject) => {
    video.onloadeddata = resolve;
    video.onerror = () => reject(new Error('the <video> could not play the canvas stream'));
  });
  await video.play();
  stream.getVideoTracks()[0].requestFrame();
  await ready;
  return { source: video, release: () => stream.getTracks().forEach((t) => t.stop()) };
}

/** The photo at `url` as a `kind` source, and how to release it. */
export async function makeSource(kind, url) {
  switch (kind) {
    case 'ImageData':
      return { source: await imageDataOf(url), release() {} };
    case 'HTMLImageElement': {
      const img = new Image();
      img.src = url;
      await img.decode();
      return { source: img, release() {} };
    }
    case 'HTMLCanvasElement': {
      const bmp = await bitmapOf(url);
      const c = canvasWith(bmp);
      bmp.close();
      return { source: c, release() {} };
    }
    case 'OffscreenCanvas': {
      const bmp = await bitmapOf(url);
      const c = new OffscreenCanvas(bmp.width, bmp.height);
      c.getContext('2d').drawImage(bmp, 0, 0);
      bmp.close();
      return { source: c, release() {} };
    }
    case 'ImageBitmap': {
      const bmp = await bitmapOf(url);
      return { source: bmp, release: () => bmp.close() };
    }
    case 'VideoFrame': {
      const bmp = await bitmapOf(url);
      const frame = new VideoFrame(bmp, { timestamp: 0 });
      bmp.close();
      return { source: frame, release: () => frame.close() };
    }
    case 'HTMLVideoElement': {
      const bmp = await bitmapOf(url);
      try {
        return await videoOf(bmp);
      } finally {
        bmp.close();
      }
    }
    default:
      throw new Error(`unknown source kind ${kind}`);
  }
}

/** Sources of each kind that cannot be read (yet): classify() must refuse each with an InputError naming it. */
export const BAD_SOURCE_KINDS = [
  'HTMLImageElement (not loaded)', 'HTMLImageElement (broken)', 'HTMLVideoElement (no frame)', 'HTMLCanvasElement (0x0)',
  'OffscreenCanvas (0x0)', 'ImageBitmap (closed)', 'VideoFrame (closed)', 'ImageData (detached)',
];

/** A `kind` from BAD_SOURCE_KINDS, made from the photo at `url` where it needs one. */
export async function makeBadSource(kind, url) {
  switch (kind) {
    case 'HTMLImageElement (not loaded)': {
      // Loading takes tasks; classify() runs after microtasks only, so the <img> is still incomplete
      // then. The query string keeps the memory cache from completing it at once.
      const img = new Image();
      img.src = `${url}?not-loaded=${Math.random()}`;
      if (img.complete) throw new Error('the <img> completed at once');
      return img;
    }
    case 'HTMLImageElement (broken)': {
      const img = new Image();
      img.src = '/pages/not-an-image.jpg';
      await img.decode().catch(() => undefined);
      return img;
    }
    case 'HTMLVideoElement (no frame)':
      return document.createElement('video');
    case 'HTMLCanvasElement (0x0)': {
      const c = document.createElement('canvas');
      c.width = 0;
      c.height = 0;
      return c;
    }
    case 'OffscreenCanvas (0x0)':
      return new OffscreenCanvas(0, 0);
    case 'ImageBitmap (closed)': {
      const bmp = await bitmapOf(url);
      bmp.close();
      return bmp;
    }
    case 'VideoFrame (closed)': {
      const bmp = await bitmapOf(url);
      const frame = new VideoFrame(bmp, { timestamp: 0 });
      bmp.close();
      frame.close();
      return frame;
    }
    case 'ImageData (detached)': {
      const pixels = await imageDataOf(url);
      structuredClone(pixels.data.buffer, { transfer: [pixels.data.buffer] });
      return pixels;
    }
    default:
      throw new Error(`unknown bad source kind ${kind}`);
  }
}
