// explain() from the advanced bundle in a page: the default MobileNetV2 on a backend, a sample photo as
// ImageData, its cam map drawn on a canvas through heatmapImageData, an occlusion map with progress, and
// an occlusion aborted after its first run. What comes back is plain data for the test to compare with Node.
import { ImageClassifier, explain, camAvailable, heatmapImageData } from '/dist/advanced.js';
import { errorData, publish } from './lib.js';
import { makeSource } from './sources.js';

function peak(map) {
  let at = 0;
  for (let i = 1; i < map.data.length; i++) if (map.data[i] > map.data[at]) at = i;
  return { x: at % map.width, y: Math.floor(at / map.width), max: map.data[at] };
}

publish({
  async run(backend, url, occlusion) {
    const c = await ImageClassifier.create('/models/mobilenetv2-12-int8.eim', { backend, cache: false });
    const { source } = await makeSource('ImageData', url);
    try {
      const cam = await explain(c, source);
      const drawn = heatmapImageData(cam, source);
      const canvas = document.getElementById('out');
      canvas.width = drawn.width;
      canvas.height = drawn.height;
      canvas.getContext('2d').putImageData(drawn, 0, 0);
      const out = {
        backend: c.backend, camAvailable: camAvailable(c), method: cam.method, label: cam.label, classIndex: cam.classIndex,
        width: cam.width, height: cam.height, peak: peak(cam), isImageData: drawn instanceof ImageData, drawnSize: [drawn.width, drawn.height],
      };
      if (occlusion) {
        const progress = [];
        const occ = await explain(c, source, { method: 'occlusion', patch: 112, stride: 56, onProgress: (p) => progress.push([p.done, p.total]) });
        out.occlusion = { method: occ.method, classIndex: occ.classIndex, peak: peak(occ), progress };
        const stop = new AbortController();
        try {
          await explain(c, source, { method: 'occlusion', patch: 56, signal: stop.signal, onProgress: () => stop.abort() });
          out.aborted = 'not aborted';
        } catch (e) {
          out.aborted = errorData(e).name;
        }
      }
      return out;
    } finally {
      c.dispose();
    }
  },
});
