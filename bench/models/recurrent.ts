// The sequence classifiers of the CPU milestone as IR graphs: 28 steps of 28 features, one recurrent
// layer of 128 units (SimpleRNN with tanh, or LSTM), Dense(10) on the last state. Seeded weights, laid
// out as ONNX wants them (W [1,G*H,I], R [1,G*H,H], B [1,2*G*H]; LSTM gates i, o, f, c). The same networks
// as examples/train/models.mjs trains into models/fashion/{simplernn,lstm} (preferred when present, see
// trained.ts), except that the trained ones end in a softmax.
import type { Graph } from '../../src/graph/ir.js';
import { f32Const, glorot, smallBias, uniform } from './seeded.js';

export const SEQ_STEPS = 28;
export const SEQ_FEATURES = 28;
export const SEQ_UNITS = 128;

function sequenceClassifier(kind: 'RNN' | 'LSTM', seed: number): Graph {
  const T = SEQ_STEPS, I = SEQ_FEATURES, H = SEQ_UNITS, G = kind === 'LSTM' ? 4 : 1;
  // Keras puts the whole bias in the input half (Wb) and none in Rb; a non-zero Rb checks that every
  // runtime adds both halves.
  const bias = new Float32Array(2 * G * H);
  bias.set(uniform(G * H, -0.1, 0.1, seed + 3));
  bias.set(uniform(G * H, -0.05, 0.05, seed + 4), G * H);
  const rec = uniform(G * H * H, -1 / Math.sqrt(H), 1 / Math.sqrt(H), seed + 2);
  return {
    nodes: [
      {
        // Every output slot listed ('' = unused): the reference LSTM writes Y_c even when nobody reads it.
        name: kind.toLowerCase(), op: kind, inputs: ['sequence', 'rnn.W', 'rnn.R', 'rnn.B'], outputs: kind === 'LSTM' ? ['', 'last', ''] : ['', 'last'],
        attrs: { hiddenSize: H, direction: 'forward' },
      },
      { name: 'flatten', op: 'Flatten', inputs: ['last'], outputs: ['state'], attrs: { axis: 1 } },
      { name: 'dense', op: 'MatMul', inputs: ['state', 'dense.w', 'dense.b'], outputs: ['logits'], attrs: {} },
    ],
    inputs: [{ name: 'sequence', shape: [-1, T, I] }],
    outputs: [{ name: 'logits', shape: [-1, 10] }],
    constants: new Map([
      ['rnn.W', glorot([1, G * H, I], I, G * H, seed + 1)],
      ['rnn.R', f32Const([1, G * H, H], rec)],
      ['rnn.B', f32Const([1, 2 * G * H], bias)],
      ['dense.w', glorot([H, 10], H, 10, seed + 5)],
      ['dense.b', smallBias(10, seed + 6)],
    ]),
    metadata: { name: `${kind.toLowerCase()}-128-seeded`, outputKind: 'logits', description: 'seeded weights, bench model' },
  };
}

export function simpleRnnClassifier(seed = 2000): Graph {
  return sequenceClassifier('RNN', seed);
}

export function lstmClassifier(seed = 3000): Graph {
  return sequenceClassifier('LSTM', seed);
}
