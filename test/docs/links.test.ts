// The docs stay right (#16 point 7): the API reference builds from the TSDoc with no warning (typedoc.json
// treats them as errors), every relative link and anchor in the Markdown docs and in the generated HTML
// resolves, external links are well-formed (not fetched: CI has no network), the README's code imports
// only names its entries export, and docs/ops.md is what scripts/gen-ops-doc.ts makes of the code now.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Application, Logger, LogLevel, ReflectionKind, TSConfigReader, TypeDocReader, type ProjectReflection } from 'typedoc';
import { codeBlocks, htmlAnchors, htmlLinks, importsOf, markdownAnchors, markdownLinks, type Link } from './markdown.js';
import { OPS_DOC, renderOpsDoc } from '../../scripts/gen-ops-doc.js';
import { OPS } from '../../src/ops/registry.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Every file below `dir` (relative to ROOT when `dir` is), skipping dependencies, builds and dot-folders. */
function filesUnder(dir: string, keep: (path: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name.startsWith('.') ? [] : filesUnder(path, keep);
    return keep(path) ? [path] : [];
  });
}

/** The Markdown a reader of the repository or the package follows links in. */
function markdownDocs(): string[] {
  const top = ['README.md', 'CHANGELOG.md'].map((f) => join(ROOT, f)).filter((f) => existsSync(f));
  const docs = filesUnder(join(ROOT, 'docs'), (p) => p.endsWith('.md') && !p.includes(`${sep}api-reference${sep}`));
  const examples = filesUnder(join(ROOT, 'examples'), (p) => p.endsWith(`${sep}README.md`));
  return [...top, ...docs, ...examples];
}

/** Why an http(s) or mailto link is malformed, or undefined when it is not. */
function externalProblem(target: string): string | undefined {
  if (target.startsWith('mailto:')) return /^mailto:[^@\s]+@[^@\s]+\.[^@\s]+$/.test(target) ? undefined : 'malformed mailto';
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return 'not a URL';
  }
  if (url.hostname !== 'localhost' && !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(url.hostname)) return `odd host ${url.hostname}`;
  if (/\s/.test(target)) return 'whitespace in the URL';
  return undefined;
}

const isExternal = (target: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(target);

/**
 * Problems with one link from `from` (a file): relative links must name an existing file or folder inside
 * `root`, and a fragment must name an anchor of its target (`anchorsOf` says which it has).
 */
function linkProblem(from: string, target: string, root: string, anchorsOf: (file: string) => Set<string> | undefined): string | undefined {
  if (isExternal(target)) {
    return /^(https?|mailto):/i.test(target) ? externalProblem(target) : `unexpected scheme in ${target}`;
  }
  const hash = target.indexOf('#');
  const pathPart = (hash < 0 ? target : target.slice(0, hash)).replace(/\?.*$/, '');
  const fragment = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
  let file: string;
  try {
    file = pathPart === '' ? from : resolve(dirname(from), decodeURIComponent(pathPart));
  } catch {
    return 'undecodable path';
  }
  if (pathPart.startsWith('/')) return 'absolute path (breaks outside one server layout)';
  const rel = relative(root, file);
  if (rel.startsWith('..')) return `leaves ${relative(ROOT, root) || 'the repository'}`;
  if (!existsSync(file)) return `no such file ${relative(ROOT, file)}`;
  if (fragment === undefined || fragment === '') return undefined;
  if (statSync(file).isDirectory()) return 'fragment on a folder';
  // GitHub's line anchors into a source file.
  const lines = /^L(\d+)(?:-L(\d+))?$/.exec(fragment);
  if (lines && !['.md', '.html', '.svg'].includes(extname(file))) {
    const count = readFileSync(file, 'utf8').split('\n').length;
    return Number(lines[2] ?? lines[1]) <= count ? undefined : `line ${fragment} past the end`;
  }
  const anchors = anchorsOf(file);
  if (!anchors) return `fragment #${fragment} on a file without anchors`;
  return anchors.has(fragment) ? undefined : `no anchor #${fragment} in ${relative(ROOT, file)}`;
}

function cached<T>(make: (file: string) => T): (file: string) => T {
  const cache = new Map<string, T>();
  return (file) => {
    if (!cache.has(file)) cache.set(file, make(file));
    return cache.get(file)!;
  };
}

/** Collects typedoc's messages so a failing build says what it complained about. */
class CollectingLogger extends Logger {
  readonly messages: string[] = [];
  override log(message: string, level: LogLevel): void {
    if (level >= LogLevel.Warn) this.messages.push(message);
  }
}

describe('docs', () => {
  let out: string;
  let app: Application;
  let logger: CollectingLogger;
  let project: ProjectReflection | undefined;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'edgeinfer-api-reference-'));
    logger = new CollectingLogger();
    // The readers of typedoc.json and tsconfig only: the default ones would also read this process's argv.
    app = await Application.bootstrapWithPlugins({ options: join(ROOT, 'typedoc.json'), out }, [new TypeDocReader(), new TSConfigReader()]);
    app.logger = logger;
    project = await app.convert();
    if (project) {
      app.validate(project);
      await app.generateDocs(project, out);
    }
  });

  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('typedoc builds the API reference from the TSDoc with no warning (npm run docs)', () => {
    expect(logger.messages).toEqual([]);
    expect(project).toBeDefined();
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    // One module per import path, in browsers and in Node.
    expect(project!.getChildrenByKind(ReflectionKind.Module).map((m) => m.name)).toEqual([
      'edgeinfer', 'edgeinfer (Node)', 'edgeinfer/advanced', 'edgeinfer/advanced (Node)', 'edgeinfer/convert',
    ]);
  });

  it('every relative link and anchor in the Markdown docs resolves', () => {
    const anchorsOf = cached((file: string) => (file.endsWith('.md') ? markdownAnchors(readFileSync(file, 'utf8'))
      : file.endsWith('.html') || file.endsWith('.svg') ? htmlAnchors(readFileSync(file, 'utf8')) : undefined));
    const docs = markdownDocs();
    expect(docs.map((f) => relative(ROOT, f))).toEqual(expect.arrayContaining(['README.md', 'docs/api.md', 'docs/ops.md']));
    const problems: string[] = [];
    let checked = 0;
    for (const doc of docs) {
      for (const { target, line } of markdownLinks(readFileSync(doc, 'utf8')) as Link[]) {
        checked++;
        const problem = target === '' ? 'empty link' : linkProblem(doc, target, ROOT, anchorsOf);
        if (problem) problems.push(`${relative(ROOT, doc)}:${line}: ${target}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });

  it('every link and anchor in the generated API reference resolves', () => {
    const pages = filesUnder(out, (p) => p.endsWith('.html'));
    expect(pages.length).toBeGreaterThan(50);
    const anchorsOf = cached((file: string) => (/\.(html|svg)$/.test(file) ? htmlAnchors(readFileSync(file, 'utf8'))
      : file.endsWith('.md') ? markdownAnchors(readFileSync(file, 'utf8')) : undefined));
    const problems = new Set<string>();
    for (const page of pages) {
      for (const target of htmlLinks(readFileSync(page, 'utf8'))) {
        if (target === '') continue; // the page itself
        const problem = linkProblem(page, target, out, anchorsOf);
        if (problem) problems.add(`${relative(out, page)}: ${target}: ${problem}`);
      }
    }
    expect([...problems]).toEqual([]);
  });

  it("the docs' code imports only names that edgeinfer's entries export", () => {
    expect(project).toBeDefined();
    // What each import path offers: the browser and the Node module together (a snippet may be either's).
    const exported = new Map<string, Set<string>>();
    for (const mod of project!.getChildrenByKind(ReflectionKind.Module)) {
      const path = mod.name.replace(/ \(Node\)$/, '');
      const names = exported.get(path) ?? new Set<string>();
      for (const child of mod.children ?? []) names.add(child.name);
      exported.set(path, names);
    }
    expect([...exported.keys()].sort()).toEqual(['edgeinfer', 'edgeinfer/advanced', 'edgeinfer/convert']);
    const problems: string[] = [];
    let imports = 0;
    for (const doc of markdownDocs()) {
      for (const block of codeBlocks(readFileSync(doc, 'utf8'))) {
        for (const imp of importsOf(block.text, 'edgeinfer')) {
          imports++;
          const names = exported.get(imp.from);
          const where = `${relative(ROOT, doc)}:${block.line + imp.line}`;
          if (!names) problems.push(`${where}: no entry ${imp.from}`);
          else for (const n of imp.names) if (!names.has(n)) problems.push(`${where}: ${imp.from} has no export ${n}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(imports).toBeGreaterThan(5);
  });

  it('docs/ops.md is up to date (else run `npm run docs:ops`)', async () => {
    const current = readFileSync(OPS_DOC, 'utf8');
    expect(current === (await renderOpsDoc()), 'docs/ops.md is stale: run `npm run docs:ops`').toBe(true);
  });

  it("the README's supported-ops table names every runtime op", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = /\n## Supported formats and ops\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
    expect(section, 'README.md has a "## Supported formats and ops" section').not.toBe('');
    expect([...OPS.keys()].filter((op) => !new RegExp(`\\b${op}\\b`).test(section))).toEqual([]);
  });
});
