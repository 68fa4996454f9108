// load(source, options): model bytes from anywhere (runtime/source.ts), parsed and checked, then a
// session on the chosen backend (runtime/select.ts). Browser-safe: the Node entry (node-load.ts)
// adds file paths, a JSON-file decision cache and a device key from the OS.
import type { BackendName } from '../backends/backend.js';
import type { Graph, ModelMetadata } from '../graph/ir.js';
import { readEim } from '../format/reader.js';
import { readPreamble } from '../format/layout.js';
import type { Tensor } from '../tensor.js';
import { throwIfAborted } from './abort.js';
import { browserLocalStorage, localStorageCache, type DecisionCache } from './decision-cache.js';
import { selectBackend, type SelectOptions, type Selection } from './select.js';
import type { Feeds, Session, TensorInfo } from './session.js';
import { isGraph, readSource, type ModelSource, type SourceOptions } from './source.js';

export interface LoadOptions extends SourceOptions, Omit<SelectOptions, 'modelHash' | 'signal' | 'cache'> {
  /**
   * Where `auto` decisions are remembered. Default: localStorage in a browser that allows it (the
   * Node entry: a JSON file under the OS temp folder); false: never cached.
   */
  cache?: DecisionCache | false;
}

/** A model ready to run: its session, and how its backend was chosen. */
export class LoadedModel {
  constructor(
    readonly session: Session,
    readonly selection: Selection,
    readonly metadata: ModelMetadata,
    /** Identifies the model bytes (CRC-32 and length); undefined for a Graph source. */
    readonly modelHash: string | undefined,
  ) {}

  get backend(): BackendName {
    return this.session.backend;
  }

  get inputs(): readonly TensorInfo[] {
    return this.session.inputs;
  }

  get outputs(): readonly TensorInfo[] {
    return this.session.outputs;
  }

  /** The graph as prepared (after the passes). */
  get graph(): Graph {
    return this.session.graph;
  }

  run(feeds: Feeds): Promise<Record<string, Tensor>> {
    return this.session.run(feeds);
  }

  dispose(): void {
    this.session.dispose();
  }
}

/**
 * The file's own CRC-32 (already verified by readEim) and its length: free to compute, and any
 * change to the file changes it with near certainty.
 */
export function eimModelHash(bytes: Uint8Array): string {
  const crc = readPreamble(bytes).checksum;
  return `eim-${crc.toString(16).padStart(8, '0')}-${bytes.length}`;
}

function defaultCache(): DecisionCache | undefined {
  const storage = browserLocalStorage();
  return storage ? localStorageCache(storage) : undefined;
}

/**
 * Loads a .eim model and prepares it on a backend. `source`: a URL (string or URL; fetched with
 * progress), a fetch Response, an ArrayBuffer or typed array (viewed, not copied: keep it unchanged),
 * a Blob/File, a Graph, or (Node entry only) a file path. Rejects with ModelFormatError (bad or
 * unreachable file), InputError (a source or option of the wrong kind), BackendUnavailableError
 * (nothing can run it), GraphError/UnsupportedOpError (the graph), AbortError (options.signal).
 */
export async function load(source: ModelSource, options: LoadOptions = {}): Promise<LoadedModel> {
  const { signal } = options;
  let graph: Graph;
  let modelHash: string | undefined;
  if (isGraph(source)) {
    throwIfAborted(signal, 'start');
    graph = source;
  } else {
    const bytes = await readSource(source, options);
    throwIfAborted(signal, 'parse');
    graph = readEim(bytes);
    modelHash = eimModelHash(bytes);
  }
  const cache = options.cache === undefined ? defaultCache() : options.cache;
  const { session, selection } = await selectBackend(graph, { ...options, cache, modelHash, signal });
  if (signal?.aborted) {
    session.dispose();
    throwIfAborted(signal, 'backend selection');
  }
  return new LoadedModel(session, selection, graph.metadata, modelHash);
}
