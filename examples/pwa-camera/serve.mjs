#!/usr/bin/env node
// A static file server for trying the camera PWA: serves the repository root on http://localhost
// (a secure origin, which camera access and service workers need). Usage, from the repository root:
//   node examples/pwa-camera/serve.mjs [port]     then open http://localhost:8080/examples/pwa-camera/
// It serves every example (benchmark, fashion, web-embed too). Every response carries COOP/COEP, so the pages
// are cross-origin isolated and the threaded wasm build runs, and CORP: same-origin, so that the pages' own
// files load under COEP: require-corp. The examples load nothing from another origin (no CDN, no web font);
// a page that did would need that origin to send CORP (or CORS and crossorigin) to keep loading.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PORT = Number(process.argv[2] ?? process.env.PORT ?? 8080);
const APP = '/examples/pwa-camera/';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.eim': 'application/octet-stream',
};

const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function reply(res, status, body, type = 'text/plain; charset=utf-8', headers = {}) {
  res.writeHead(status, { ...ISOLATION, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

const server = createServer(async (req, res) => {
  let path;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  } catch {
    return reply(res, 400, 'bad URL');
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'method not allowed');
  if (path === '/') return reply(res, 302, '', undefined, { Location: APP });
  if (path.endsWith('/')) path += 'index.html';
  const file = normalize(join(ROOT, path));
  // Nothing outside the repository, whatever ../ the URL holds.
  if (!file.startsWith(ROOT.endsWith(sep) ? ROOT : ROOT + sep)) return reply(res, 403, 'forbidden');
  try {
    if (!(await stat(file)).isFile()) return reply(res, 404, `not found: ${path}`);
    const body = await readFile(file);
    // no-cache: the browser revalidates, so a rebuilt bundle shows up (the service worker has its own cache).
    reply(res, 200, req.method === 'HEAD' ? '' : body, TYPES[extname(file)] ?? 'application/octet-stream', { 'Cache-Control': 'no-cache' });
  } catch {
    reply(res, 404, `not found: ${path}${path.startsWith('/dist/') ? ' (run `npm run build` first)' : ''}`);
  }
});

server.listen(PORT, 'localhost', () => {
  console.log(`serving ${ROOT} on http://localhost:${PORT}${APP}`);
});
