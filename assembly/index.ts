// The module's export surface: every kernel the host (src/backends/wasm/) calls, nothing else.
export { heap_base, copy_f32, fill_f32 } from './memory';
export { unary_f32 } from './kernels/unary';
export { binary_f32 } from './kernels/binary';
export { gemm_f32, pack_b_f32, transpose2d_f32 } from './kernels/gemm';
export { conv_igemm_f32, dwconv_f32 } from './kernels/conv';
export { dwconv3x3_f32 } from './kernels/dwconv3x3';
export { maxpool_f32, avgpool_f32, globalpool_f32 } from './kernels/pool';
export { softmax_f32 } from './kernels/softmax';
export { batchnorm_f32 } from './kernels/batch-norm';
export { gather_nd_f32, copy2d_f32 } from './kernels/gather';
export { recurrent_bias_f32 } from './kernels/recurrent';
export { rnn_f32 } from './kernels/rnn';
export { lstm_f32 } from './kernels/lstm';
export { gru_f32 } from './kernels/gru';
export { preprocess_u8 } from './kernels/preprocess';
export { topk_f32 } from './kernels/topk';
export { qim2col_i16, qgemm_i16i8, qdwconv_i16, qaffine_f32 } from './kernels/qlinear';
