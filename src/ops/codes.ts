// The numeric codes kernels are specialised by, declared once. scripts/codes.mjs reads this file and emits
// them as AssemblyScript constants (assembly/codes.gen.ts, before asc runs) and WGSL constants
// (kernels/lib/codes.gen.wgsl, before the shaders are embedded): `<PREFIX>_<NAME>` with NAME in UPPER_SNAKE,
// e.g. ACT_LEAKY_RELU. Keep each table a flat `{ Name: integer }` literal ending in `} as const;`: the
// script parses it without a TypeScript compiler and rejects any other form.

/** Fused activations of Conv/Gemm/MatMul/BatchNorm and the unary ops (src/ops/activation.ts); prefix ACT. */
export const ACTIVATION_CODES = {
  None: 0,
  Relu: 1,
  Clip: 2,
  LeakyRelu: 3,
  Sigmoid: 4,
  Tanh: 5,
  HardSigmoid: 6,
  HardSwish: 7,
} as const;

/** ONNX's recurrent activation functions (src/ops/recurrent.ts); prefix RA. */
export const RECURRENT_ACTIVATION_CODES = {
  Relu: 0,
  Tanh: 1,
  Sigmoid: 2,
  Affine: 3,
  LeakyRelu: 4,
  ThresholdedRelu: 5,
  ScaledTanh: 6,
  HardSigmoid: 7,
  Elu: 8,
  Softsign: 9,
  Softplus: 10,
} as const;

/** The broadcasting binary ops (src/ops/binary.ts); prefix OP. */
export const BINARY_OP_CODES = {
  Add: 0,
  Sub: 1,
  Mul: 2,
  Div: 3,
  PRelu: 4,
} as const;

/** Each table's constant prefix in the emitted AssemblyScript and WGSL. */
export const CODE_PREFIXES = {
  ACTIVATION_CODES: 'ACT',
  RECURRENT_ACTIVATION_CODES: 'RA',
  BINARY_OP_CODES: 'OP',
} as const;
