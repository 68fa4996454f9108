// How a backend was chosen, as load() and selectBackend() report it: the types every part of the selection
// (select.ts, trials.ts, fallback.ts, warm-start.ts) fills in, and the error when no candidate works.
import type { BackendName } from '../backends/backend.js';
import { BackendUnavailableError, InputError } from '../errors.js';

export type BackendPreference = 'auto' | BackendName | readonly BackendName[];

/** 'pending': being prepared in the background (warm start); 'lost': failed while running, after it was chosen. */
export type CandidateStatus = 'chosen' | 'slower' | 'unavailable' | 'unsupported' | 'failed' | 'skipped' | 'pending' | 'lost';

export interface Candidate {
  readonly name: BackendName;
  /** The provider's priority; absent when no provider of that name is built in. */
  readonly priority?: number;
  readonly status: CandidateStatus;
  readonly reason?: string;
  /** Median of the timed trial runs at batch 1 (for a cached choice: the median measured back then). */
  readonly medianMs?: number;
}

export interface Selection {
  readonly backend: BackendName;
  /** 'auto': trial run now; 'cached': an earlier trial's choice reused; 'explicit': named by the caller. */
  readonly mode: 'auto' | 'cached' | 'explicit';
  readonly candidates: readonly Candidate[];
  /** 'stale': a cached choice no longer works here (see cacheReason) and was replaced. */
  readonly cache: 'hit' | 'miss' | 'stale' | 'off';
  readonly cacheReason?: string;
  /** Wall time spent choosing (probes, backend creation, trial runs). */
  readonly elapsedMs: number;
  /** Run-time switches away from a lost backend, oldest first. */
  readonly fallbacks?: readonly Fallback[];
  /** Present when a CPU backend answered first while the GPU prepared in the background. */
  readonly warmStart?: WarmStart;
  /** The GPU adapter runs go to, while that is webgpu; `software`: a CPU rasterizer such as SwiftShader. */
  readonly adapter?: { readonly description: string; readonly software: boolean };
}

/** Every `...Ms` time below counts from the start of the selection. */
export interface Fallback {
  readonly from: BackendName;
  readonly to: BackendName;
  /** The BackendLostError's message. */
  readonly reason: string;
  readonly atMs: number;
}

export interface WarmStart {
  readonly target: BackendName;
  /**
   * 'preparing': still in the background; 'switched': runs go to the target now; 'slower': it was timed
   * slower than the CPU backend, which stays; 'failed': the target candidate says why; 'cancelled': the
   * model was disposed first.
   */
  readonly state: 'preparing' | 'switched' | 'slower' | 'failed' | 'cancelled';
  /** When the CPU backend was ready to answer (load() resolved then). */
  readonly firstReadyMs: number;
  /** When the target had prepared and been timed. */
  readonly targetReadyMs?: number;
  /** When the first run on the target could start (after the runs queued before it). */
  readonly switchedAtMs?: number;
}

export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'wasm', 'js'];

export const now = (): number => performance.now();

export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export type Preference = { readonly mode: 'auto' } | { readonly mode: 'explicit'; readonly names: readonly BackendName[] };

function backendName(v: unknown, where: string): BackendName {
  if (typeof v !== 'string') throw new InputError(`${where} must be a backend name`, { expected: BACKEND_NAMES.join(' | '), received: typeof v });
  if (!(BACKEND_NAMES as readonly string[]).includes(v)) {
    throw new BackendUnavailableError(v, `not a backend of this version of edgeinfer (known: ${BACKEND_NAMES.join(', ')})`);
  }
  return v as BackendName;
}

/** options.backend, checked: 'auto' (or absent), a name, or a non-empty list of names. */
export function parsePreference(v: unknown): Preference {
  if (v === undefined || v === 'auto') return { mode: 'auto' };
  if (Array.isArray(v)) {
    if (v.length === 0) throw new InputError('options.backend is an empty list', { expected: 'at least one backend name' });
    return { mode: 'explicit', names: [...new Set(v.map((x, i) => backendName(x, `options.backend[${i}]`)))] };
  }
  if (typeof v !== 'string') {
    throw new InputError('options.backend must be "auto", a backend name or a list of names', { received: v === null ? 'null' : typeof v });
  }
  return { mode: 'explicit', names: [backendName(v, 'options.backend')] };
}

export function noneWorked(what: string, candidates: readonly Candidate[]): BackendUnavailableError {
  const reasons = candidates.map((c) => `${c.name}${c.priority === undefined ? '' : `@${c.priority}`}: ${c.status}${c.reason ? ` (${c.reason})` : ''}`);
  return new BackendUnavailableError(what, reasons.length ? `no candidate worked: ${reasons.join('; ')}` : 'no backend provider is registered');
}
