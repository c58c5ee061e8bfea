// The app:// protocol: serves the built renderer from one folder, and nothing outside it.
// Pure functions over the Fetch API's Request/Response (global in Node and Electron), so the
// handler is unit-tested without Electron. main.ts passes createAppHandler(...) to protocol.handle.
import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { APP_HOST, APP_SCHEME, isAppUrl } from './security.ts';

export type ResolvedPath = { ok: true; file: string } | { ok: false; status: 400 | 403 | 404; reason: string };

/**
 * Maps an app:// URL to a file under `root`. Refuses other schemes and hosts, encoded or plain
 * `..` segments, backslashes, NUL bytes, and anything whose resolved path leaves `root`.
 * `/` serves index.html.
 */
export function resolveAppPath(root: string, requestUrl: string): ResolvedPath {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return { ok: false, status: 400, reason: 'malformed URL' };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) {
    return { ok: false, status: 403, reason: 'not an app:// URL of this app' };
  }
  // Look at the raw path as well as the decoded one: the URL parser may already have folded
  // plain `..`, but encoded dots and separators must never reach the file system.
  const rawPath = u.pathname;
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding' };
  }
  if (path.includes('\0') || path.includes('\\')) return { ok: false, status: 400, reason: 'forbidden character in path' };
  const segments = path.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return { ok: false, status: 403, reason: 'path traversal' };
  if (/^\/*[A-Za-z]:/.test(path)) return { ok: false, status: 403, reason: 'drive path' };
  const rel = segments.filter((s) => s.length > 0).join('/') || 'index.html';
  const base = resolve(root);
  const file = resolve(join(base, rel));
  const back = relative(base, file);
  if (back === '' || back.startsWith('..') || isAbsolute(back) || back.split(sep).includes('..')) {
    return { ok: false, status: 403, reason: 'outside the app folder' };
  }
  return { ok: true, file };
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function mimeTypeFor(file: string): string {
  return MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export interface AppHandlerOptions {
  /** Folder of the built renderer. */
  root: string;
  /** Content-Security-Policy sent with every response. */
  csp: string;
  /** Injected for tests; defaults to fs.readFile. */
  read?: (file: string) => Promise<Uint8Array>;
  /** Evidence previews (contentProtocol.ts): answers /api/items/<id>/content|thumb, else null. */
  content?: (request: Request) => Promise<Response | null>;
}

/** The protocol.handle('app', ...) handler: GET/HEAD of files under root, with the CSP. */
export function createAppHandler(opts: AppHandlerOptions): (request: Request) => Promise<Response> {
  const read = opts.read ?? ((f: string) => readFile(f));
  const headers = (extra: Record<string, string>): Headers =>
    new Headers({
      'Content-Security-Policy': opts.csp,
      'X-Content-Type-Options': 'nosniff',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      ...extra,
    });
  const refuse = (status: number, text: string): Response =>
    new Response(text, { status, headers: headers({ 'Content-Type': 'text/plain; charset=utf-8' }) });

  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'Method not allowed');
    if (opts.content && isAppUrl(request.url)) {
      const answered = await opts.content(request);
      if (answered) return answered;
    }
    const r = resolveAppPath(opts.root, request.url);
    if (!r.ok) return refuse(r.status, r.reason);
    let body: Uint8Array;
    try {
      body = await read(r.file);
    } catch {
      return refuse(404, 'Not found');
    }
    return new Response(request.method === 'HEAD' ? null : (body as Uint8Array<ArrayBuffer>), {
      status: 200,
      headers: headers({ 'Content-Type': mimeTypeFor(r.file), 'Content-Length': String(body.byteLength) }),
    });
  };
}
