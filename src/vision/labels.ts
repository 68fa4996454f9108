// Class labels: turning label files into display names, naming a class index, and resolving the
// allow/deny lists callers give by label or by index into sets of class indices.
import { InputError } from '../errors.js';

/** A class named by its label (every class with that exact label) or by its index. */
export type ClassRef = string | number;

/**
 * ImageNet synset lines (`n01440764 tench, Tinca tinca`) → one short name per line: the first
 * synonym, which is what people call the class. Where two classes share a first synonym and the
 * source lists more names, the full list is kept so they stay distinguishable ("maillot" vs
 * "maillot, tank suit"); classes the source itself names identically ("crane", bird and machine)
 * keep their shared name.
 */
export function labelsFromSynset(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trim());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const names = lines.map((line, i) => {
    const m = /^n\d{8}\s+(\S.*)$/.exec(line);
    if (!m) throw new InputError(`synset line ${i + 1} is not "<wnid> <names>"`, { expected: 'n01440764 tench, Tinca tinca', received: JSON.stringify(line.slice(0, 60)) });
    return m[1].split(',').map((s) => s.trim()).filter((s) => s !== '');
  });
  const firstCount = new Map<string, number>();
  for (const n of names) firstCount.set(n[0], (firstCount.get(n[0]) ?? 0) + 1);
  return names.map((n) => (firstCount.get(n[0])! > 1 ? n.join(', ') : n[0]));
}

/** The label of class `index`, or "class <index>" when the model has none for it. */
export function classLabel(labels: readonly string[] | undefined, index: number): string {
  return labels?.[index] ?? `class ${index}`;
}

/**
 * Class indices named by `refs` (labels match exactly, every class carrying that label; numbers are
 * indices). An unknown label or an index outside 0..classes-1 is an InputError naming `what`.
 */
export function resolveClasses(refs: readonly ClassRef[], labels: readonly string[] | undefined, classes: number, what: string): Set<number> {
  if (!Array.isArray(refs)) {
    throw new InputError(`${what} must be an array of labels or class indices`, { received: typeof refs });
  }
  let byLabel: Map<string, number[]> | undefined;
  const out = new Set<number>();
  for (const ref of refs) {
    if (typeof ref === 'number') {
      if (!Number.isInteger(ref) || ref < 0 || ref >= classes) {
        throw new InputError(`${what}: class index out of range`, { expected: `an integer 0..${classes - 1}`, received: String(ref) });
      }
      out.add(ref);
    } else if (typeof ref === 'string') {
      if (!byLabel) {
        byLabel = new Map();
        (labels ?? []).forEach((l, i) => { const a = byLabel!.get(l); if (a) a.push(i); else byLabel!.set(l, [i]); });
      }
      const found = byLabel.get(ref);
      if (!found) {
        throw new InputError(`${what}: unknown label ${JSON.stringify(ref)}`, {
          expected: labels && labels.length > 0 ? `one of the model's ${labels.length} labels` : 'class indices (the model has no labels)',
          received: JSON.stringify(ref),
        });
      }
      for (const i of found) out.add(i);
    } else {
      throw new InputError(`${what}: entries must be labels (strings) or class indices (numbers)`, { received: typeof ref });
    }
  }
  return out;
}
