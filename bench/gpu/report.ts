// The GPU bench table: per (model, batch) one row per runtime with init, cold (load + first inference) and
// warm latency, and each figure's ratio to edgeinfer's. Every figure is labelled with the adapter it came
// from: here SwiftShader, a CPU emulation of a GPU.
import type { LatencyStats } from '../lib/stats.js';

export type RuntimeId = 'edgeinfer' | 'edgeinfer-f16' | 'tfjs' | 'ort';

export const RUNTIME_LABELS: Record<RuntimeId, string> = {
  edgeinfer: 'edgeinfer webgpu',
  'edgeinfer-f16': 'edgeinfer webgpu f16',
  tfjs: 'tfjs-backend-webgpu',
  ort: 'onnxruntime-web webgpu',
};

export interface Row {
  readonly runtime: RuntimeId;
  initMs?: number;
  loadMs?: number;
  firstMs?: number;
  coldMs?: number;
  warm?: LatencyStats;
  check?: string;
  note?: string;
}

export interface CaseResult {
  readonly model: string;
  readonly title: string;
  readonly batch: number;
  readonly macs: number;
  readonly rows: Row[];
}

export interface BenchEnv {
  readonly chromium: string;
  readonly adapter: string;
  readonly passes: number;
  readonly passMs: number;
  readonly date: string;
}

const ms = (v: number | undefined) => (v === undefined ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
/** other / edgeinfer: above 1 means edgeinfer is faster. */
const ratio = (v: number | undefined, base: number | undefined) => (v === undefined || base === undefined ? '-' : `${(v / base).toFixed(2)}x`);

function table(header: string[], rows: string[][]): string[] {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ').trimEnd();
  return [line(header), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)];
}

export function formatReport(results: readonly CaseResult[], env: BenchEnv): string {
  const label = 'SwiftShader (CPU emulation)';
  const out = [
    `GPU bench — every figure below: ${label}, not a real GPU`,
    `Chromium ${env.chromium}, adapter ${env.adapter}; ${env.date}`,
    `cold = model load + first inference with read-back (pipeline creation included); warm = median of ${env.passes} interleaved passes (~${env.passMs} ms each);`,
    `init = engine start and GPUDevice (not in cold); ratio columns = runtime / edgeinfer (above 1: edgeinfer faster)`,
    '',
  ];
  const header = ['case', 'runtime', 'init ms', 'load ms', '1st inf ms', 'cold ms', 'warm med ms', 'p90 ms', 'runs', 'GFLOP/s', 'cold ratio', 'warm ratio', 'check / note'];
  const rows: string[][] = [];
  for (const c of results) {
    const base = c.rows.find((r) => r.runtime === 'edgeinfer');
    for (const r of c.rows) {
      const gflops = r.warm ? ((2 * c.macs) / (r.warm.median * 1e6)).toFixed(2) : '-';
      rows.push([
        `${c.model} b${c.batch}`, RUNTIME_LABELS[r.runtime], ms(r.initMs), ms(r.loadMs), ms(r.firstMs), ms(r.coldMs),
        ms(r.warm?.median), ms(r.warm?.p90), r.warm ? String(r.warm.runs) : '-', gflops,
        r.runtime === 'edgeinfer' ? '1.00x' : ratio(r.coldMs, base?.coldMs),
        r.runtime === 'edgeinfer' ? '1.00x' : ratio(r.warm?.median, base?.warm?.median),
        [r.check, r.note].filter(Boolean).join('; '),
      ]);
    }
  }
  out.push(...table(header, rows), '', `(${label}: times are CPU time of an emulated GPU; a real GPU ranks kernels differently.)`);
  return out.join('\n');
}
