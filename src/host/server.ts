// The browser host: the built renderer and the same contract as the Electron IPC, served over
// HTTP + SSE on 127.0.0.1 only, for UI development and the Playwright tests. Every request needs
// the random token of this run (header X-Evidence-Token, or ?token= where a header cannot be set:
// <img> URLs and EventSource; the page's own files also accept the cookie set when the page is
// first opened with ?token=). The Host header must name this server (no DNS rebinding) and a
// cross-origin Origin is refused. The native dialogs of the Electron app become a path field and
// a folder picker served from here (/api/ui/folders).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { EvidenceError, type EvidenceService, errorMessage, type JobEvent, parseRange, previewHeaders } from '../core/index.ts';
import { checkOutput, EVENT_CHANNEL, InputError, type MethodName, methodNames, parseEvent, parseInput } from '../shared/contract.ts';
import { strictId } from '../shared/text.ts';
import { type RecentCase, RecentCases } from './recent.ts';

export interface HostOptions {
  service: EvidenceService;
  /** Folder of the built renderer (vite build output). */
  rendererRoot: string;
  /** Where the host remembers recent cases (recent-cases.json). */
  dataDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** The per-run token; random unless given (tests may pass one). */
  token?: string;
  /** The folder picker lists folders under this root only (default: the file system root). */
  browseRoot?: string;
  /** Called with each contract call's time in the service, and with its output checked and sent (ms; for the UI bench). */
  onTiming?: (method: string, ms: number, withSendMs: number) => void;
  /** Called with unexpected errors (INTERNAL), for the console. */
  onInternalError?: (where: string, err: unknown) => void;
  /**
   * Check every answer against the contract's output schema (default true: the host serves
   * development and the UI tests). Listings over a thousand rows are not parsed (checkOutput).
   */
  checkOutputs?: boolean;
}

export interface Host {
  /** The URL to open: the page, with the token. */
  url: string;
  origin: string;
  port: number;
  token: string;
  server: Server;
  close(): Promise<void>;
}

export const TOKEN_HEADER = 'x-evidence-token';
export const SESSION_HEADER = 'x-evidence-session';
const COOKIE = 'evidence_token';
const MAX_BODY = 4 * 1024 * 1024;

/** The page's Content-Security-Policy: everything from this origin only, no inline script, no eval. */
export const HOST_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "child-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.bcmap': 'application/octet-stream',
  '.pfb': 'application/octet-stream',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

function baseHeaders(): Record<string, string> {
  return {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
    'X-Frame-Options': 'DENY',
  };
}

function sameToken(a: string | null | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: IncomingMessage): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return null;
}

function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string>): void {
  res.writeHead(status, { ...baseHeaders(), 'Content-Length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), { 'Content-Type': 'application/json; charset=utf-8' });
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { ok: false, error: { code, message } });
}

export function errorEnvelope(err: unknown): { ok: false; error: { code: string; message: string } } {
  if (err instanceof EvidenceError || err instanceof InputError) return { ok: false, error: { code: err.code, message: err.message } };
  return { ok: false, error: { code: 'INTERNAL', message: `Internal error: ${errorMessage(err)}` } };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > MAX_BODY) throw new InputError('The request is too large.');
    chunks.push(c as Buffer);
  }
  if (n === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new InputError('The request body is not JSON.');
  }
}

/** A file under root for a URL path, or null when it would leave root or is malformed. */
export function staticFile(root: string, urlPath: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  const segments = path.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return null;
  const rel = segments.filter(Boolean).join('/') || 'index.html';
  const base = resolve(root);
  const file = resolve(join(base, rel));
  const back = relative(base, file);
  if (back === '' || back.startsWith('..') || isAbsolute(back) || back.split(sep).includes('..')) return null;
  return file;
}

export interface FolderListing {
  path: string;
  parent: string | null;
  root: string;
  entries: { name: string; path: string; type: 'dir' | 'file'; size: number | null }[];
  truncated: boolean;
}

/** True when `path` is `base` or inside it (both absolute and already resolved). */
function within(base: string, path: string): boolean {
  const back = relative(base, path);
  return back === '' || (!back.startsWith(`..${sep}`) && back !== '..' && !isAbsolute(back));
}

/**
 * Lists a folder under `root` for the folder picker: folders first, then files (exports may be
 * files). Containment is checked on real paths, after every symbolic link is resolved: a link
 * inside the root that points elsewhere (`root/usb -> /`) must not open the rest of the disk.
 */
export async function listFolder(root: string, path: string | null): Promise<FolderListing> {
  let base: string;
  try {
    base = await realpath(resolve(root));
  } catch (err) {
    throw new EvidenceError('NOT_FOUND', `Cannot list ${resolve(root)}, the folder this host may list: ${errorMessage(err)}`);
  }
  const asked = resolve(path && path.length > 0 ? path : base);
  if (asked.includes('\0')) throw new EvidenceError('USAGE', 'The folder path holds a NUL character.');
  let dir: string;
  try {
    dir = await realpath(asked);
  } catch (err) {
    // Say nothing about what exists outside the root.
    if (!within(base, asked) && !within(resolve(root), asked)) throw new EvidenceError('FORBIDDEN', `${asked} is outside the folder this host may list (${base}).`);
    throw new EvidenceError('NOT_FOUND', `Cannot list ${asked}: ${errorMessage(err)}`);
  }
  if (!within(base, dir)) {
    throw new EvidenceError('FORBIDDEN', `${asked}${dir !== asked ? ` (really ${dir})` : ''} is outside the folder this host may list (${base}).`);
  }
  let names;
  try {
    names = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new EvidenceError('NOT_FOUND', `Cannot list ${dir}: ${errorMessage(err)}`);
  }
  const entries: FolderListing['entries'] = [];
  for (const d of names) {
    const p = join(dir, d.name);
    if (d.isDirectory()) entries.push({ name: d.name, path: p, type: 'dir', size: null });
    else if (d.isFile()) entries.push({ name: d.name, path: p, type: 'file', size: null });
  }
  entries.sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type === 'dir' ? -1 : 1));
  const shown = entries.slice(0, 2000);
  await Promise.all(
    shown.filter((e) => e.type === 'file').slice(0, 500).map(async (e) => {
      try {
        e.size = (await stat(e.path)).size;
      } catch {
        /* gone meanwhile */
      }
    }),
  );
  return { path: dir, parent: dir === base ? null : dirname(dir), root: base, entries: shown, truncated: entries.length > shown.length };
}

export async function startHost(opts: HostOptions): Promise<Host> {
  const token = opts.token ?? randomBytes(24).toString('hex');
  const service = opts.service;
  const recent = new RecentCases(opts.dataDir);
  const browseRoot = resolve(opts.browseRoot ?? '/');
  const sse = new Set<ServerResponse>();
  let origin = '';
  let port = 0;

  const onEvent = (e: JobEvent): void => {
    let line: string;
    try {
      line = `event: ${EVENT_CHANNEL}\ndata: ${JSON.stringify(parseEvent(e.type, e.payload))}\n\n`;
    } catch (err) {
      opts.onInternalError?.('event', err);
      return;
    }
    for (const res of sse) res.write(line);
  };
  const unsubscribe = service.onEvent(onEvent);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', origin);
    // Only this server's own name: a page elsewhere that rebinds a DNS name to 127.0.0.1 is refused.
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return sendError(res, 403, 'FORBIDDEN', 'Wrong Host header.');
    const reqOrigin = req.headers.origin;
    if (reqOrigin && reqOrigin !== origin && reqOrigin !== `http://localhost:${port}`) {
      return sendError(res, 403, 'FORBIDDEN', 'Cross-origin requests are refused.');
    }
    const headerToken = req.headers[TOKEN_HEADER];
    const queryToken = url.searchParams.get('token');
    const apiAuthed = sameToken(typeof headerToken === 'string' ? headerToken : null, token) || sameToken(queryToken, token);
    const isApi = url.pathname.startsWith('/api/');

    if (!isApi) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'USAGE', 'Method not allowed.');
      if (!apiAuthed && !sameToken(cookieToken(req), token)) {
        return send(res, 401, 'Open the URL the host printed (it carries the token of this run).', { 'Content-Type': 'text/plain; charset=utf-8' });
      }
      const file = staticFile(opts.rendererRoot, url.pathname);
      if (!file) return send(res, 404, 'Not found', { 'Content-Type': 'text/plain; charset=utf-8' });
      let body: Buffer;
      try {
        body = await readFile(file);
      } catch {
        return send(res, 404, 'Not found', { 'Content-Type': 'text/plain; charset=utf-8' });
      }
      const type = MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
      const headers: Record<string, string> = { 'Content-Type': type, 'Content-Security-Policy': HOST_CSP };
      if (sameToken(queryToken, token)) headers['Set-Cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
      res.writeHead(200, { ...baseHeaders(), 'Content-Length': String(body.length), ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }

    if (!apiAuthed) return sendError(res, 401, 'FORBIDDEN', 'The token of this run is required (X-Evidence-Token header or ?token=).');

    const parts = url.pathname.split('/').filter(Boolean); // ['api', ...]
    try {
      if (parts[1] === 'events' && parts.length === 2 && req.method === 'GET') {
        res.writeHead(200, {
          ...baseHeaders(),
          'Content-Type': 'text/event-stream; charset=utf-8',
          Connection: 'keep-alive',
        });
        res.write(': connected\n\n');
        sse.add(res);
        const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
        req.on('close', () => {
          clearInterval(ping);
          sse.delete(res);
        });
        return;
      }
      if (parts[1] === 'items' && parts.length === 4 && (req.method === 'GET' || req.method === 'HEAD')) {
        // Strictly decimal: Number() would also take "0x10", "1e2" or "1.0".
        const id = strictId(parts[2] ?? '');
        if (id === null) return sendError(res, 400, 'USAGE', 'Bad item id: give the item number, e.g. /api/items/42/content.');
        const sh = req.headers[SESSION_HEADER];
        const session = (typeof sh === 'string' ? sh : null) ?? url.searchParams.get('session') ?? '';
        if (parts[3] === 'thumb') {
          // ?size=view: the large rendition the preview shows of a photo the browser cannot decode (HEIC).
          const t = await service.itemThumbnail(session, id, url.searchParams.get('size') === 'view' ? 'view' : 'thumb');
          res.writeHead(200, { ...baseHeaders(), ...previewHeaders(), 'Content-Type': t.mime, 'Content-Length': String(t.data.length) });
          res.end(req.method === 'HEAD' ? undefined : t.data);
          return;
        }
        if (parts[3] === 'content') {
          const size = service.itemContentSize(session, id);
          const r = parseRange(req.headers.range, size);
          if (r.kind === 'unsatisfiable') {
            res.writeHead(416, { ...baseHeaders(), ...previewHeaders(), 'Content-Range': `bytes */${size}` });
            res.end();
            return;
          }
          const opened = await service.itemContent(session, id, r.kind === 'range' ? r.range : null);
          const headers: Record<string, string> = {
            ...baseHeaders(),
            ...previewHeaders(),
            'Content-Type': opened.contentType,
            'Accept-Ranges': 'bytes',
          };
          if (opened.range) {
            headers['Content-Range'] = `bytes ${opened.range.start}-${opened.range.end}/${opened.size}`;
            headers['Content-Length'] = String(opened.range.end - opened.range.start + 1);
          } else {
            headers['Content-Length'] = String(opened.size);
          }
          res.writeHead(opened.range ? 206 : 200, headers);
          if (req.method === 'HEAD') {
            opened.stream.destroy();
            res.end();
            return;
          }
          await pipeline(opened.stream, res);
          return;
        }
      }
      if (parts[1] === 'ui' && parts.length === 3) {
        if (parts[2] === 'folders' && req.method === 'GET') return sendJson(res, 200, { ok: true, value: await listFolder(browseRoot, url.searchParams.get('path')) });
        if (parts[2] === 'recent' && req.method === 'GET') return sendJson(res, 200, { ok: true, value: recent.list() });
        if (parts[2] === 'recent' && req.method === 'POST') {
          const body = (await readBody(req)) as Partial<RecentCase> | undefined;
          if (!body || typeof body.path !== 'string' || !body.path) throw new InputError('path: the case folder is required');
          recent.remember({ path: body.path, name: String(body.name ?? ''), number: String(body.number ?? '') });
          return sendJson(res, 200, { ok: true, value: recent.list() });
        }
      }
      if (parts.length === 2 && req.method === 'POST' && (methodNames as string[]).includes(parts[1]!)) {
        const method = parts[1] as MethodName;
        const input = await readBody(req);
        const parsed = parseInput(method, input);
        const fn = service[method] as (this: EvidenceService, i: unknown) => unknown;
        const started = performance.now();
        const value = await fn.call(service, parsed);
        const served = performance.now();
        if (opts.checkOutputs ?? true) checkOutput(method, value);
        sendJson(res, 200, { ok: true, value });
        opts.onTiming?.(method, served - started, performance.now() - started);
        return;
      }
      return sendError(res, 404, 'NOT_FOUND', `No such endpoint: ${req.method} ${url.pathname}`);
    } catch (err) {
      const env = errorEnvelope(err);
      if (env.error.code === 'INTERNAL') opts.onInternalError?.(url.pathname, err);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // Contract calls answer 200 with the envelope (as IPC does); content requests with a status.
      const isCall = parts.length === 2 && (methodNames as string[]).includes(parts[1] ?? '');
      const status = isCall || parts[1] === 'ui' ? 200 : env.error.code === 'NOT_FOUND' ? 404 : env.error.code === 'AUTH_FAILED' || env.error.code === 'FORBIDDEN' ? 403 : 400;
      return sendJson(res, status, env);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.onInternalError?.('request', err);
      if (!res.headersSent) sendError(res, 500, 'INTERNAL', 'Internal error');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.port ?? 0, '127.0.0.1', () => res());
  });
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    server,
    close: async () => {
      unsubscribe();
      for (const res of sse) res.end();
      sse.clear();
      server.closeAllConnections();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}
