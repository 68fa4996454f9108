// Label files as people ship them: one label per line, a BOM and trailing blank lines ignored; Coral's and
// TFLite's "<index>  <label>" lines lose their index. Used by the importers and `edgeinfer convert --labels`.

/**
 * Label lines: one per line, trailing blank lines dropped. Coral's label files prefix each line with its
 * index ("0  background"); when every line does, with the indices 0, 1, 2... in order, the prefix goes.
 */
export function labelLines(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return stripIndices(lines);
}

/** Labels with a leading "<index><spaces>" removed, when every label has its own index there. */
export function stripIndices(labels: readonly string[]): string[] {
  const m = labels.map((l) => /^\s*(\d+)[\s:]+(\S.*)$/.exec(l));
  if (labels.length > 1 && m.every((x, i) => x !== null && Number(x[1]) === i)) return m.map((x) => x![2]);
  return [...labels];
}
