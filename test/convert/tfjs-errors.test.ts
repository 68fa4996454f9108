// Malformed TF.js models give ModelFormatError naming the JSON path or weight; layers and options
// the IR cannot express give UnsupportedOpError naming the layer class, layer and model.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importTfjsLayers } from '../../src/convert/tfjs.js';
import { readTfjsLayersDir } from '../../src/convert/tfjs-node.js';
import { ModelFormatError, UnsupportedOpError } from '../../src/errors.js';

type Obj = Record<string, any>;

function layer(className: string, config: Obj, inbound?: string[]): Obj {
  return { class_name: className, name: config.name, config, inbound_nodes: inbound ? [inbound.map((n) => [n, 0, 0, {}])] : [] };
}

/** A functional model.json: input [4] -> Dense(3) -> output; weights given as kernel/bias values. */
function denseModel(extra: Obj = {}): { json: Obj; bytes: Uint8Array } {
  const json: Obj = {
    format: 'layers-model',
    generatedBy: 'hand-written',
    modelTopology: {
      class_name: 'Model',
      keras_version: '2.4.0',
      config: {
        name: 'tiny',
        layers: [
          layer('InputLayer', { name: 'x', batch_input_shape: [null, 4], dtype: 'float32' }),
          layer('Dense', { name: 'd', units: 3, activation: 'linear', use_bias: true, ...extra }, ['x']),
        ],
        input_layers: [['x', 0, 0]],
        output_layers: [['d', 0, 0]],
      },
    },
    weightsManifest: [{
      paths: ['w.bin'],
      weights: [
        { name: 'd/kernel', shape: [4, 3], dtype: 'float32' },
        { name: 'd/bias', shape: [3], dtype: 'float32' },
      ],
    }],
  };
  return { json, bytes: new Uint8Array(new Float32Array(15).fill(0.5).buffer) };
}

function formatError(fn: () => unknown): ModelFormatError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFormatError);
    return e as ModelFormatError;
  }
  throw new Error('expected a ModelFormatError');
}

function unsupported(fn: () => unknown): UnsupportedOpError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UnsupportedOpError);
    return e as UnsupportedOpError;
  }
  throw new Error('expected an UnsupportedOpError');
}

/** Replaces the Dense layer with `className`/`config` on a 4-D [2,2,3] input and no weights. */
function withLayer(className: string, config: Obj, inputShape = [null, 4, 4, 3]): Obj {
  const { json } = denseModel();
  const layers = json.modelTopology.config.layers;
  layers[0].config.batch_input_shape = inputShape;
  layers[1] = layer(className, { name: 'l', ...config }, ['x']);
  json.modelTopology.config.output_layers = [['l', 0, 0]];
  json.weightsManifest = [];
  return json;
}

describe('tfjs import: the hand-written base model is valid', () => {
  it('imports (so the error cases below fail for the reason they name)', () => {
    const { json, bytes } = denseModel();
    const g = importTfjsLayers(json, bytes);
    expect(g.nodes.map((n) => n.op)).toEqual(['Gemm']);
    expect(g.inputs).toEqual([{ name: 'x', shape: [-1, 4] }]);
    expect(g.metadata).toMatchObject({ name: 'tiny', producer: 'keras 2.4.0' });
  });
});

describe('tfjs import: malformed model.json and manifests -> ModelFormatError', () => {
  it('the root is not an object', () => {
    expect(formatError(() => importTfjsLayers([1, 2], new Uint8Array())).where).toBe('model.json');
  });

  it('modelTopology is missing', () => {
    expect(formatError(() => importTfjsLayers({ weightsManifest: [] }, new Uint8Array())).where).toBe('modelTopology');
  });

  it('weight bytes shorter / longer than the manifest', () => {
    const { json, bytes } = denseModel();
    const short = formatError(() => importTfjsLayers(json, bytes.subarray(0, 56)));
    expect(short.where).toBe('weightData');
    expect(short.message).toMatch(/60 bytes.*56/);
    expect(formatError(() => importTfjsLayers(json, new Uint8Array(64))).where).toBe('weightData');
  });

  it('an unknown weight dtype names the manifest entry', () => {
    const { json, bytes } = denseModel();
    json.weightsManifest[0].weights[1].dtype = 'complex64';
    expect(formatError(() => importTfjsLayers(json, bytes)).where).toBe('weightsManifest[0].weights[1].dtype');
  });

  it('an unknown quantization dtype and a missing scale', () => {
    const { json } = denseModel();
    json.weightsManifest[0].weights[0].quantization = { dtype: 'int4', scale: 1, min: 0 };
    expect(formatError(() => importTfjsLayers(json, new Uint8Array(60))).where).toBe('weightsManifest[0].weights[0].quantization.dtype');
    json.weightsManifest[0].weights[0].quantization = { dtype: 'uint8', min: 0 };
    expect(formatError(() => importTfjsLayers(json, new Uint8Array(12 + 12))).where).toBe('weightsManifest[0].weights[0].quantization.scale');
  });

  it('a missing weight names the layer and weight', () => {
    const { json } = denseModel();
    json.weightsManifest[0].weights.pop();
    const e = formatError(() => importTfjsLayers(json, new Uint8Array(48)));
    expect(e.message).toMatch(/d\/bias.*Dense "d".*missing/);
  });

  it('a weight of the wrong shape names that weight entry', () => {
    const { json } = denseModel();
    json.weightsManifest[0].weights[0].shape = [3, 4];
    const e = formatError(() => importTfjsLayers(json, new Uint8Array(60)));
    expect(e.where).toBe('weightsManifest[0].weights[0]');
    expect(e.message).toMatch(/\[3,4\], expected \[4,3\]/);
  });

  it('a bad config field names its JSON path', () => {
    const json = withLayer('Conv2D', { filters: 2, kernel_size: [3, 'x'] });
    expect(formatError(() => importTfjsLayers(json, new Uint8Array())).where).toBe('modelTopology.config.layers[1].config.kernel_size');
    const noUnits = denseModel();
    delete noUnits.json.modelTopology.config.layers[1].config.units;
    expect(formatError(() => importTfjsLayers(noUnits.json, noUnits.bytes)).where).toBe('modelTopology.config.layers[1].config.units');
  });

  it('an inbound reference to a layer that does not exist', () => {
    const { json, bytes } = denseModel();
    json.modelTopology.config.layers[1].inbound_nodes = [[['nope', 0, 0, {}]]];
    const e = formatError(() => importTfjsLayers(json, bytes));
    expect(e.where).toBe('modelTopology.config.layers[1].inbound_nodes[0]');
    expect(e.message).toMatch(/nope/);
  });

  it('layers that do not fit together (Dense kernel vs input width)', () => {
    const { json } = denseModel();
    json.modelTopology.config.layers[0].config.batch_input_shape = [null, 5];
    expect(formatError(() => importTfjsLayers(json, new Uint8Array(60))).where).toBe('weightsManifest[0].weights[0]');
    const pool = withLayer('MaxPooling2D', { pool_size: [5, 5], padding: 'valid' });
    expect(formatError(() => importTfjsLayers(pool, new Uint8Array())).where).toBe('modelTopology.config.layers[1]');
  });

  it('an input without a shape', () => {
    const { json, bytes } = denseModel();
    delete json.modelTopology.config.layers[0].config.batch_input_shape;
    expect(formatError(() => importTfjsLayers(json, bytes)).where).toBe('modelTopology.config.layers[0]');
  });
});

describe('tfjs import: unsupported layers and options -> UnsupportedOpError', () => {
  function check(json: Obj, op: string, detail: RegExp): void {
    const e = unsupported(() => importTfjsLayers(json, new Uint8Array(), { name: 'm' }));
    expect(e.op).toBe(op);
    expect(e.node).toBe('l');
    expect(e.model).toBe('m');
    expect(e.message).toMatch(detail);
  }

  it('an unknown layer class', () => check(withLayer('UpSampling2D', { size: [2, 2] }), 'UpSampling2D', /no converter/));
  it('data_format channels_first', () => check(withLayer('Conv2D', { filters: 2, kernel_size: 3, data_format: 'channels_first' }), 'Conv2D', /channels_first/));
  it('channels_first pooling', () => check(withLayer('MaxPooling2D', { data_format: 'channels_first' }), 'MaxPooling2D', /channels_first/));
  it('activation elu', () => check(withLayer('Activation', { activation: 'elu' }), 'Activation', /activation "elu"/));
  it('activation gelu on a Dense', () => {
    const { json } = denseModel({ activation: 'gelu' });
    const e = unsupported(() => importTfjsLayers(json, new Uint8Array(60)));
    expect(e.message).toMatch(/Dense.*gelu.*"d".*"tiny"/);
  });
  it('ReLU threshold', () => check(withLayer('ReLU', { threshold: 0.5 }), 'ReLU', /threshold/));
  it('BatchNormalization on a non-last axis', () => check(withLayer('BatchNormalization', { axis: 1 }), 'BatchNormalization', /axis 1/));
  it('LSTM return_state', () => check(withLayer('LSTM', { units: 2, return_state: true }, [null, 3, 2]), 'LSTM', /return_state/));
  it('GRU with an unsupported activation', () => check(withLayer('GRU', { units: 2, activation: 'selu' }, [null, 3, 2]), 'GRU', /selu/));
  it('Bidirectional merge_mode sum', () => check(withLayer('Bidirectional', { merge_mode: 'sum', layer: { class_name: 'LSTM', config: { name: 'i', units: 2 } } }, [null, 3, 2]), 'Bidirectional', /merge_mode/));
  it('a free non-batch input dim', () => {
    const json = withLayer('Activation', { activation: 'relu' }, [null, null, 3]);
    const e = unsupported(() => importTfjsLayers(json, new Uint8Array()));
    expect(e.op).toBe('InputLayer');
    expect(e.message).toMatch(/dimension 1/);
  });
});

describe('readTfjsLayersDir', () => {
  const dirs: string[] = [];
  afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

  async function dirWith(files: Record<string, string | Uint8Array>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'edgeinfer-tfjs-'));
    dirs.push(dir);
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
    return dir;
  }

  it('concatenates the shards in manifest order', async () => {
    const { json } = denseModel();
    json.weightsManifest = [{ paths: ['b', 'a'], weights: json.weightsManifest[0].weights }];
    const dir = await dirWith({ 'model.json': JSON.stringify(json), a: Uint8Array.of(3, 4), b: Uint8Array.of(1, 2) });
    const { modelJson, weightData } = await readTfjsLayersDir(dir);
    expect([...weightData]).toEqual([1, 2, 3, 4]);
    expect((modelJson as Obj).modelTopology.config.name).toBe('tiny');
  });

  it('invalid JSON, a missing shard, a shard path leaving the directory', async () => {
    await expect(readTfjsLayersDir(await dirWith({ 'model.json': '{"modelTopology": ' }))).rejects.toThrow(ModelFormatError);
    const { json } = denseModel();
    const missing = await readTfjsLayersDir(await dirWith({ 'model.json': JSON.stringify(json) })).catch((e) => e);
    expect(missing).toBeInstanceOf(ModelFormatError);
    expect(missing.where).toBe('weightsManifest[0].paths[0]');
    json.weightsManifest[0].paths = ['../outside.bin'];
    const dir = await dirWith({ 'model.json': JSON.stringify(json) });
    await mkdir(join(dir, 'sub'));
    const escaped = await readTfjsLayersDir(dir).catch((e) => e);
    expect(escaped).toBeInstanceOf(ModelFormatError);
    expect(escaped.message).toMatch(/leaves the model directory/);
  });
});
