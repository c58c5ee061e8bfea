// Evidence previews in the desktop app: app://evidence/api/items/<id>/content and .../thumb,
// answered by the same app:// handler that serves the renderer (so 'self' in the CSP covers them
// and no other origin can ask). The session token rides in ?session= (an <img> cannot set a
// header); the engine checks it and records item.viewed once per item per session. Responses
// carry the preview headers (CSP sandbox, nosniff) and only images are labelled as images.
// Pure Fetch API Request/Response, unit-tested without Electron.
import { Readable } from 'node:stream';
import { type ByteRange, EvidenceError, errorMessage, type OpenedContent, parseRange, previewHeaders, type Thumbnail } from '../core/index.ts';
import { InputError } from '../shared/contract.ts';

export interface ContentServiceLike {
  itemContent(session: string, id: number, range: ByteRange | null): OpenedContent | Promise<OpenedContent>;
  itemContentSize(session: string, id: number): number;
  itemThumbnail(session: string, id: number, size?: 'thumb' | 'view'): Promise<Thumbnail>;
}

// A positive decimal id only (no leading zero, no sign, no exponent), as the host and the CLI parse ids.
const ROUTE = /^\/api\/items\/([1-9]\d{0,14})\/(content|thumb)$/;

/** True for the preview URLs this module answers. */
export function isContentPath(pathname: string): boolean {
  return ROUTE.test(pathname);
}

function fail(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify({ ok: false, error: { code, message } }), {
    status,
    headers: { ...previewHeaders(), 'Content-Type': 'application/json; charset=utf-8' },
  });
}

/** Answers a preview request, or null when the URL is not one. */
export async function contentResponse(service: ContentServiceLike, request: Request): Promise<Response | null> {
  const url = new URL(request.url);
  const m = ROUTE.exec(url.pathname);
  if (!m) return null;
  if (request.method !== 'GET' && request.method !== 'HEAD') return fail(405, 'USAGE', 'Method not allowed');
  const id = Number(m[1]);
  const session = url.searchParams.get('session') ?? '';
  try {
    if (m[2] === 'thumb') {
      // ?size=view: the large rendition the preview shows of a photo the browser cannot decode (HEIC).
      const t = await service.itemThumbnail(session, id, url.searchParams.get('size') === 'view' ? 'view' : 'thumb');
      return new Response(request.method === 'HEAD' ? null : new Uint8Array(t.data), {
        status: 200,
        headers: { ...previewHeaders(), 'Content-Type': t.mime, 'Content-Length': String(t.data.length) },
      });
    }
    const size = service.itemContentSize(session, id);
    const r = parseRange(request.headers.get('range'), size);
    if (r.kind === 'unsatisfiable') {
      return new Response(null, { status: 416, headers: { ...previewHeaders(), 'Content-Range': `bytes */${size}` } });
    }
    const opened = await service.itemContent(session, id, r.kind === 'range' ? r.range : null);
    const headers: Record<string, string> = { ...previewHeaders(), 'Content-Type': opened.contentType, 'Accept-Ranges': 'bytes' };
    if (opened.range) {
      headers['Content-Range'] = `bytes ${opened.range.start}-${opened.range.end}/${opened.size}`;
      headers['Content-Length'] = String(opened.range.end - opened.range.start + 1);
    } else {
      headers['Content-Length'] = String(opened.size);
    }
    if (request.method === 'HEAD') {
      opened.stream.destroy();
      return new Response(null, { status: opened.range ? 206 : 200, headers });
    }
    const body = Readable.toWeb(opened.stream) as unknown as ReadableStream<Uint8Array>;
    return new Response(body, { status: opened.range ? 206 : 200, headers });
  } catch (err) {
    if (err instanceof EvidenceError || err instanceof InputError) {
      const status = err.code === 'NOT_FOUND' ? 404 : err.code === 'AUTH_FAILED' || err.code === 'FORBIDDEN' ? 403 : 400;
      return fail(status, err.code, err.message);
    }
    return fail(500, 'INTERNAL', `Internal error: ${errorMessage(err)}`);
  }
}
