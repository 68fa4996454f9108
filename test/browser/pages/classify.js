// The default MobileNetV2 through ImageClassifier in a page: one classifier per backend, and each
// photo classified from each browser image source kind the test names. A kind the classifier does
// not take comes back as its typed error, never converted here into one it does.
import { ImageClassifier } from '/dist/index.js';
import { errorData, publish, wasmBuildsFetched } from './lib.js';
import { makeBadSource, makeSource } from './sources.js';

const classifiers = new Map();

publish({
  async open(backend) {
    const t0 = performance.now();
    const c = await ImageClassifier.create('/models/mobilenetv2-12-int8.eim', { backend, cache: false });
    classifiers.set(backend, c);
    return { backend: c.backend, ms: performance.now() - t0, wasmBuilds: wasmBuildsFetched() };
  },

  /** For each photo URL and each kind: its top-3 and the classify() time, or the error. */
  async classify(backend, urls, kinds) {
    const c = classifiers.get(backend);
    const out = [];
    for (const url of urls) {
      for (const kind of kinds) {
        const { source, release } = await makeSource(kind, url);
        const t0 = performance.now();
        try {
          const top = await c.classify(source, { topK: 3 });
          out.push({ url, kind, top, ms: performance.now() - t0 });
        } catch (e) {
          out.push({ url, kind, error: errorData(e) });
        } finally {
          release();
        }
      }
    }
    return out;
  },

  /** Each bad source kind classified on its own, and then in a batch behind a good image: the error each time. */
  async classifyBad(backend, url, kinds) {
    const c = classifiers.get(backend);
    const good = await makeSource('ImageData', url);
    const out = [];
    for (const kind of kinds) {
      const errors = [];
      for (const batch of [false, true]) {
        const bad = await makeBadSource(kind, url);
        try {
          await (batch ? c.classifyBatch([good.source, bad]) : c.classify(bad));
          errors.push(undefined);
        } catch (e) {
          errors.push(errorData(e));
        }
      }
      out.push({ kind, single: errors[0], batch: errors[1] });
    }
    // The classifier still works afterwards.
    const top = await c.classify(good.source, { topK: 1 });
    return { out, after: top[0] };
  },

  close(backend) {
    classifiers.get(backend)?.dispose();
    classifiers.delete(backend);
  },
});
