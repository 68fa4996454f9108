// WebGPU's numeric flag values (fixed by the spec), so the backend works without the GPUBufferUsage /
// GPUMapMode / GPUShaderStage globals, which Node bindings only provide when the caller installs them.
export const BufferUsage = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
export const MapMode = { READ: 0x1 } as const;
export const ShaderStage = { COMPUTE: 0x4 } as const;
