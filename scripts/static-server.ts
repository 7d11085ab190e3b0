/**
 * A plain static file server, as GitHub Pages, S3 or `python3 -m http.server` would be: no
 * COOP/COEP, no CSP header (the built page carries its own CSP meta tag), optionally under a
 * sub-path. The e2e suite serves the build through it to prove the app starts without isolation.
 *
 *   tsx scripts/static-server.ts [--dir dist] [--port 4184] [--base /burrow/]
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: 'dist' },
    port: { type: 'string', default: '4184' },
    base: { type: 'string', default: '/' },
  },
});

const root = resolve(values.dir);
const base = values.base.endsWith('/') ? values.base : `${values.base}/`;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.md': 'text/markdown; charset=utf-8',
};

/** The file a URL path names inside `root`, or null (outside the base, outside the root, missing). */
function fileFor(urlPath: string): string | null {
  if (!urlPath.startsWith(base)) return null;
  let relative = decodeURIComponent(urlPath.slice(base.length));
  if (relative === '' || relative.endsWith('/')) relative += 'index.html';
  const path = normalize(join(root, relative));
  if (path !== root && !path.startsWith(root + sep)) return null;
  try {
    return statSync(path).isFile() ? path : null;
  } catch {
    return null;
  }
}

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname === base.slice(0, -1)) {
    response.writeHead(301, { Location: base }).end();
    return;
  }
  const path = request.method === 'GET' || request.method === 'HEAD' ? fileFor(url.pathname) : null;
  if (path === null) {
    response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
    return;
  }
  response.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' });
  if (request.method === 'HEAD') response.end();
  else createReadStream(path).pipe(response);
});

server.listen(Number(values.port), 'localhost', () => {
  console.log(`Serving ${root} at http://localhost:${values.port}${base} (no isolation headers)`);
});
