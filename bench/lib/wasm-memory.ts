// Which WebAssembly memories each runtime's engine creates, found by wrapping WebAssembly.instantiate and
// instantiateStreaming while that runtime's code runs (its exported and imported memories). onnxruntime-web
// and tfjs-backend-wasm keep weights and tensors in their module's linear memory, and a linear memory never
// shrinks, so its size is the engine's heap high-water mark. No Node APIs: the browser page uses it too.

type Instantiate = typeof WebAssembly.instantiate;
type InstantiateStreaming = typeof WebAssembly.instantiateStreaming;

function memoriesIn(value: unknown, into: Set<WebAssembly.Memory>): void {
  if (value instanceof WebAssembly.Memory) into.add(value);
}

export class WasmMemoryProbe {
  private owner: string | undefined;
  private readonly memories = new Map<string, Set<WebAssembly.Memory>>();

  /** Wraps the instantiate functions once; memories created outside `during` are not attributed. */
  constructor() {
    const wasm = WebAssembly as { instantiate: Instantiate; instantiateStreaming?: InstantiateStreaming };
    const record = (imports: WebAssembly.Imports | undefined, result: unknown) => {
      if (this.owner === undefined) return;
      let set = this.memories.get(this.owner);
      if (!set) this.memories.set(this.owner, set = new Set());
      for (const ns of Object.values(imports ?? {})) for (const v of Object.values(ns)) memoriesIn(v, set);
      const instance = result instanceof WebAssembly.Instance ? result : (result as { instance?: WebAssembly.Instance }).instance;
      for (const v of Object.values(instance?.exports ?? {})) memoriesIn(v, set);
    };
    const instantiate = wasm.instantiate.bind(WebAssembly);
    wasm.instantiate = (async (source: BufferSource | WebAssembly.Module, imports?: WebAssembly.Imports) => {
      const result = await instantiate(source as BufferSource, imports);
      record(imports, result);
      return result;
    }) as Instantiate;
    const streaming = wasm.instantiateStreaming?.bind(WebAssembly);
    if (streaming) {
      wasm.instantiateStreaming = (async (source: Response | PromiseLike<Response>, imports?: WebAssembly.Imports) => {
        const result = await streaming(source, imports);
        record(imports, result);
        return result;
      }) as InstantiateStreaming;
    }
  }

  /** Runs `fn`; memories instantiated meanwhile belong to `owner` (runtimes are started one at a time). */
  async during<T>(owner: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.owner;
    this.owner = owner;
    try {
      return await fn();
    } finally {
      this.owner = previous;
    }
  }

  /** Bytes of the linear memories `owner` created, now; undefined when none was seen. */
  bytes(owner: string): number | undefined {
    const set = this.memories.get(owner);
    if (!set || set.size === 0) return undefined;
    let n = 0;
    for (const m of set) n += m.buffer.byteLength;
    return n;
  }
}
