// classifyVideo's `smoothing` in Node: the moving average itself (smoother) against hand-worked figures, and
// the loop on a stand-in <video> (a tagged object with requestVideoFrameCallback, driven frame by frame here)
// giving each result both the smoothed `top` and the frame's own `raw`; bad values refused with an InputError.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import type { Classification } from '../../src/vision/ranking.js';
import { classifyVideo, smoother, type VideoResult } from '../../src/vision/video.js';

const c = (index: number, score: number): Classification => ({ index, label: `class ${index}`, score });
const scores = (top: Classification[]) => top.map((x) => [x.index, Number(x.score.toFixed(6))]);

describe('smoother (the EMA behind classifyVideo smoothing)', () => {
  it('averages each class over frames, a class missing from a frame counting 0 there', () => {
    const s = smoother(0.5);
    // The first frame is taken at (1 - a) of its scores: nothing came before it.
    expect(scores(s([c(1, 0.8), c(2, 0.2)]))).toEqual([[1, 0.4], [2, 0.1]]);
    // 1: 0.5·0.4 + 0.5·0.1 = 0.25; 3 new: 0.5·0.6 = 0.3; 2 absent: 0.5·0.1 = 0.05, ranked third, cut to 2.
    expect(scores(s([c(3, 0.6), c(1, 0.1)]))).toEqual([[3, 0.3], [1, 0.25]]);
    // 2 was kept though not shown: 0.5·0.05 + 0.5·0.9 = 0.475.
    expect(scores(s([c(2, 0.9)]))).toEqual([[2, 0.475]]);
  });

  it('a one-frame flicker moves the smoothed ranking by (1 - a) of it only; a lasting change wins in a few frames', () => {
    const s = smoother(0.8);
    let top: Classification[] = [];
    for (let i = 0; i < 30; i++) top = s([c(7, 0.9), c(4, 0.1)]);
    expect(top[0].index).toBe(7);
    expect(top[0].score).toBeCloseTo(0.9 * (1 - 0.8 ** 30), 9);
    // One frame says 4: raw would flip; smoothed stays on 7.
    top = s([c(4, 0.95), c(7, 0.05)]);
    expect(top.map((x) => x.index)).toEqual([7, 4]);
    // It keeps saying 4: overtaken once 0.8^n·(0.9 - 0.1) < (1 - 0.8^n)·(0.95 - 0.05)-ish, within 4 frames here.
    let frames = 1;
    while (top[0].index !== 4) { top = s([c(4, 0.95), c(7, 0.05)]); frames++; }
    expect(frames).toBeGreaterThan(1);
    expect(frames).toBeLessThanOrEqual(4);
  });

  it('drops classes whose score has decayed below 1e-4, so it holds only classes seen lately', () => {
    const s = smoother(0.5);
    s([c(1, 1), c(2, 1e-3)]);
    // 2: 0.5·(0.5·1e-3) = 2.5e-4 kept; next frame 1.25e-4 kept; then 6.25e-5 dropped (never to come back as 0).
    expect(s([c(1, 1)]).length).toBe(1);
    const seen = (top: Classification[]) => top.map((x) => x.index);
    // Asking for more than one result shows what is still held.
    expect(seen(s([c(1, 1), c(9, 0)]))).toEqual([1, 2]);
    expect(seen(s([c(1, 1), c(9, 0)]))).toEqual([1]);
  });

  it('returns as many classes as the frame ranked, none when the frame ranked none', () => {
    const s = smoother(0.3);
    expect(s([c(1, 0.5), c(2, 0.3), c(3, 0.2)])).toHaveLength(3);
    expect(s([c(4, 0.9)])).toHaveLength(1);
    expect(s([])).toEqual([]);
  });
});

/** A stand-in <video>: Object.prototype.toString says HTMLVideoElement, frames come when next() is called. */
function fakeVideo() {
  const callbacks: ((now: number, m: { mediaTime: number; presentedFrames: number }) => void)[] = [];
  let frame = 0;
  const video = {
    [Symbol.toStringTag]: 'HTMLVideoElement',
    currentTime: 0,
    readyState: 4,
    requestVideoFrameCallback(cb: (typeof callbacks)[number]) { callbacks.push(cb); return callbacks.length; },
    cancelVideoFrameCallback() {},
  };
  const next = () => {
    frame++;
    const due = callbacks.splice(0);
    for (const cb of due) cb(frame * 100, { mediaTime: frame / 10, presentedFrames: frame });
  };
  return { video: video as unknown as HTMLVideoElement, next };
}

describe('classifyVideo smoothing option', () => {
  const frames = [[c(5, 0.6), c(6, 0.4)], [c(6, 0.7), c(5, 0.3)], [c(6, 0.9), c(5, 0.1)]];

  async function run(options: object): Promise<VideoResult[]> {
    const { video, next } = fakeVideo();
    const results: VideoResult[] = [];
    let i = 0;
    const loop = classifyVideo(async () => frames[i++], video, (r) => { results.push(r); }, options);
    for (let f = 0; f < frames.length; f++) {
      const before = results.length;
      next();
      while (results.length === before) await new Promise((r) => setTimeout(r, 1));
    }
    loop.stop();
    await loop.done;
    return results;
  }

  it('gives the smoothed ranking as top and the frame\'s own as raw', async () => {
    const results = await run({ smoothing: 0.5 });
    expect(results.map((r) => r.raw)).toEqual(frames);
    // 5: 0.3, 0.15+0.15 = 0.3, 0.15+0.05 = 0.2; 6: 0.2, 0.1+0.35 = 0.45, 0.225+0.45 = 0.675.
    expect(results.map((r) => scores(r.top))).toEqual([[[5, 0.3], [6, 0.2]], [[6, 0.45], [5, 0.3]], [[6, 0.675], [5, 0.2]]]);
    expect(results.every((r) => r.path === 'canvas')).toBe(true);
  });

  it('without it (or at 0) top is the frame\'s own ranking', async () => {
    for (const options of [{}, { smoothing: 0 }]) {
      const results = await run(options);
      expect(results.map((r) => r.top)).toEqual(frames);
      expect(results.map((r) => r.raw)).toEqual(frames);
    }
  });

  it('refuses a smoothing outside [0, 1) or not a number, at once, with an InputError', () => {
    const { video } = fakeVideo();
    for (const bad of [1, -0.1, 1.5, Number.NaN, '0.5', null]) {
      let error: unknown;
      try {
        classifyVideo(async () => [], video, () => {}, { smoothing: bad as number });
      } catch (e) {
        error = e;
      }
      expect(error, String(bad)).toBeInstanceOf(InputError);
      expect(error).toMatchObject({ expected: '0 <= smoothing < 1', received: String(bad) });
    }
  });
});
