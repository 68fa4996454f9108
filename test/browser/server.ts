// A small static server for the browser tests, on http://localhost (a secure origin, so pages get
// navigator.gpu). It serves fixed folders under fixed prefixes plus in-memory files a test registers,
// with COOP/COEP so pages are cross-origin isolated (as a site using wasm threads would be), except a
// request whose query has `unisolated` (a page that is not isolated: no wasm threads there).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.eim': 'application/octet-stream',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
};

const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

export interface TestServer {
  /** e.g. http://localhost:41234 (no trailing slash). */
  readonly origin: string;
  /** Serves `bytes` at `path` (absolute, e.g. /data/mnist.eim) from now on. */
  put(path: string, bytes: Uint8Array, type?: string): void;
  /** Every path requested so far, in order (what a page fetched). */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: Uint8Array | string, type: string, isolated = true): void {
  res.writeHead(status, { ...(isolated ? ISOLATION : { 'Cache-Control': 'no-store' }), 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** The file `rest` names inside `dir`, or undefined when it would leave `dir`. */
function inside(dir: string, rest: string): string | undefined {
  const p = normalize(join(dir, rest));
  return p.startsWith(dir.endsWith(sep) ? dir : dir + sep) ? p : undefined;
}

/** `mounts`: URL prefix (e.g. '/dist/') → folder on disk. */
export async function startServer(mounts: Readonly<Record<string, string>>): Promise<TestServer> {
  const memory = new Map<string, { bytes: Uint8Array; type: string }>();
  const requests: string[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = decodeURIComponent(url.pathname);
    const isolated = !url.searchParams.has('unisolated');
    requests.push(path);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed', 'text/plain');
    const mem = memory.get(path);
    if (mem) return send(res, 200, mem.bytes, mem.type);
    const prefix = Object.keys(mounts).find((m) => path.startsWith(m));
    const file = prefix === undefined ? undefined : inside(mounts[prefix], path.slice(prefix.length));
    if (!file) return send(res, 404, `not found: ${path}`, 'text/plain');
    try {
      if (!(await stat(file)).isFile()) return send(res, 404, `not a file: ${path}`, 'text/plain');
      send(res, 200, await readFile(file), TYPES[extname(file)] ?? 'application/octet-stream', isolated);
    } catch {
      send(res, 404, `not found: ${path}`, 'text/plain');
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => send(res, 500, String(e), 'text/plain'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    // "localhost", not 127.0.0.1: Chromium treats both as secure, but localhost is what ENVIRONMENT.md verified.
    origin: `http://localhost:${port}`,
    put: (path, bytes, type) => memory.set(path, { bytes, type: type ?? TYPES[extname(path)] ?? 'application/octet-stream' }),
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
