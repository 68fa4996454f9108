// Just enough Markdown and HTML reading for the link checks (test/docs/links.test.ts): links, heading anchors as
// GitHub makes them, code blocks and the names their imports take. Not a Markdown parser: it knows the
// constructs our docs use (ATX headings, fenced code, inline links, reference definitions, inline HTML).

export interface Link {
  readonly target: string;
  readonly line: number;
}

export interface CodeBlock {
  readonly lang: string;
  readonly text: string;
  readonly line: number;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;

/** Splits Markdown into fenced code blocks and prose, the prose keeping its line numbers (code becomes blank lines). */
function split(md: string): { prose: string[]; blocks: CodeBlock[] } {
  const prose: string[] = [];
  const blocks: CodeBlock[] = [];
  let open: { fence: string; lang: string; line: number; lines: string[] } | undefined;
  md.split('\n').forEach((line, i) => {
    const m = FENCE.exec(line);
    if (open) {
      if (m && m[1][0] === open.fence[0] && m[1].length >= open.fence.length && m[2] === '') {
        blocks.push({ lang: open.lang, text: open.lines.join('\n'), line: open.line });
        open = undefined;
      } else {
        open.lines.push(line);
      }
      prose.push('');
    } else if (m) {
      open = { fence: m[1], lang: m[2].toLowerCase(), line: i + 1, lines: [] };
      prose.push('');
    } else {
      prose.push(line);
    }
  });
  if (open) blocks.push({ lang: open.lang, text: open.lines.join('\n'), line: open.line });
  return { prose, blocks };
}

/** Inline code spans blanked out (same length), so that what they quote is not read as links. */
function withoutCodeSpans(line: string): string {
  return line.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (s) => ' '.repeat(s.length));
}

export function codeBlocks(md: string): CodeBlock[] {
  return split(md).blocks;
}

/** Every link destination in the prose: inline links and images, reference definitions, autolinks, HTML href/src. */
export function markdownLinks(md: string): Link[] {
  const links: Link[] = [];
  split(md).prose.forEach((raw, i) => {
    const line = withoutCodeSpans(raw);
    const add = (target: string): void => { links.push({ target, line: i + 1 }); };
    for (const m of line.matchAll(/\]\(\s*(<[^>]*>|[^\s)]*)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g)) add(m[1].replace(/^<|>$/g, ''));
    const def = /^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/.exec(line);
    if (def) add(def[1].replace(/^<|>$/g, ''));
    for (const m of line.matchAll(/<((?:https?|mailto):[^>\s]+)>/g)) add(m[1]);
    for (const m of line.matchAll(/\s(?:href|src)\s*=\s*"([^"]*)"/g)) add(m[1]);
  });
  return links;
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped (not `-` or `_`), spaces to hyphens. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/`/g, '');
  return text.trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
}

/** The fragments a link into this Markdown file may name: its headings' anchors (repeats get -1, -2...) and HTML ids. */
export function markdownAnchors(md: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of split(md).prose) {
    const h = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (h) {
      const base = slug(h[1]);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const m of withoutCodeSpans(line).matchAll(/<a\s[^>]*(?:id|name)\s*=\s*"([^"]+)"/g)) anchors.add(m[1]);
  }
  return anchors;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos|#39);/g, (_, e: string) => ENTITIES[e]);
}

/** Link targets in an HTML (or SVG) page: href and src attributes. */
export function htmlLinks(html: string): string[] {
  return [...html.matchAll(/\s(?:href|src)\s*=\s*"([^"]*)"/g)].map((m) => decodeEntities(m[1]));
}

/** Fragment targets in an HTML (or SVG) page: id and name attributes. */
export function htmlAnchors(html: string): Set<string> {
  return new Set([...html.matchAll(/\s(?:id|name)\s*=\s*"([^"]*)"/g)].map((m) => decodeEntities(m[1])));
}

export interface Import {
  readonly from: string;
  readonly names: string[];
  readonly line: number;
}

/**
 * Static imports and `await import()` destructurings of `prefix` (and its subpaths) in code, with the names
 * each takes from the module (`default` for a default import; none for a namespace import).
 */
export function importsOf(code: string, prefix: string): Import[] {
  const out: Import[] = [];
  const lineAt = (index: number): number => code.slice(0, index).split('\n').length;
  const quoted = `['"](${prefix}(?:/[\\w-]+)*)['"]`;
  const named = (list: string): string[] => list.split(',').map((s) => s.trim()).filter(Boolean)
    .map((s) => s.replace(/^type\s+/, '').split(/\s+as\s+|\s*:\s*/)[0].trim());
  // The clause holds names, braces, commas, `as`, `type` and `*` only, so it cannot run on into another statement.
  const statement = new RegExp(`\\b(?:import|export)\\s+(?:type\\s+)?([\\w$*\\s,{}]*?)\\s*from\\s+${quoted}`, 'g');
  for (const m of code.matchAll(statement)) {
    const clause = m[1];
    const names: string[] = [];
    const braces = /\{([\s\S]*)\}/.exec(clause);
    if (braces) names.push(...named(braces[1]));
    const head = clause.replace(/\{[\s\S]*\}/, '').replace(/,/g, ' ').trim();
    if (head && !head.startsWith('*')) names.push('default');
    out.push({ from: m[2], names, line: lineAt(m.index) });
  }
  const dynamic = new RegExp(`\\{([^}]*)\\}\\s*=\\s*await\\s+import\\(\\s*${quoted}\\s*\\)`, 'g');
  for (const m of code.matchAll(dynamic)) out.push({ from: m[2], names: named(m[1]), line: lineAt(m.index) });
  return out;
}
