// The browser host (src/host) and the evidence previews, without a browser: the per-run token,
// Host/Origin checks, every contract method routed with the IPC envelope, job events over SSE,
// item content with ranges and the preview headers, engine thumbnails, item.viewed once per
// session, the folder picker's root, recent cases; and the Electron app:// preview handler.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { JobRunner } from '../../src/core/jobs/runner.ts';
import { parseRange } from '../../src/core/preview/content.ts';
import { startHost } from '../../src/host/server.ts';
import { contentResponse } from '../../src/main/contentProtocol.ts';
import { createAppHandler } from '../../src/main/appProtocol.ts';
import { type EvidenceEvent, eventNames, methodNames } from '../../src/shared/contract.ts';
import { exifJpeg } from '../fixtures/images.ts';
import { TOKYO } from '../fixtures/tree.ts';
import { newCase, tempDir, exhibitIn } from './helpers.ts';
import type { TestContext } from 'node:test';

async function hostFor(t: TestContext) {
  const tc = newCase(t);
  const root = tempDir(t, 'evidence-host-');
  const renderer = join(root, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Evidence Catalogue</title>');
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)');
  const exportDir = join(root, 'export');
  mkdirSync(join(exportDir, 'DCIM'), { recursive: true });
  writeFileSync(join(exportDir, 'DCIM', 'IMG_0001.JPG'), exifJpeg(TOKYO, 'IMG_0001'));
  writeFileSync(join(exportDir, 'notes.html'), '<script>alert(1)</script><p>meet at 22:00</p>');
  writeFileSync(join(exportDir, 'big.bin'), Buffer.alloc(300_000, 7));
  const host = await startHost({ service: tc.service, rendererRoot: renderer, dataDir: join(root, 'data'), browseRoot: root });
  t.after(() => host.close());
  const api = (method: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${host.origin}/api/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Evidence-Token': host.token, ...headers },
      body: JSON.stringify(body),
    });
  return { ...tc, host, root, exportDir, api };
}

/** Reads SSE events from the host until `until` says stop. */
async function sse(url: string, until: (e: EvidenceEvent[]) => boolean, start: () => Promise<void>): Promise<EvidenceEvent[]> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const reader = res.body!.getReader();
  const seen: EvidenceEvent[] = [];
  let buf = '';
  await start();
  const deadline = Date.now() + 30_000;
  while (!until(seen) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += new TextDecoder().decode(value);
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = block.split('\n').find((l) => l.startsWith('data: '));
      if (data && block.includes('event: evidence:event')) seen.push(JSON.parse(data.slice(6)) as EvidenceEvent);
    }
  }
  ac.abort();
  return seen;
}

describe('browser host', () => {
  test('the token of the run is required; the page sets a cookie for its own files; Host and Origin are checked', async (t) => {
    const { host } = await hostFor(t);
    assert.equal((await fetch(`${host.origin}/`)).status, 401);
    const page = await fetch(`${host.origin}/?token=${host.token}`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy')!, /script-src 'self'/);
    assert.match(page.headers.get('content-security-policy')!, /default-src 'self'/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
    assert.match(page.headers.get('set-cookie')!, /HttpOnly; SameSite=Strict/);
    assert.equal((await fetch(`${host.origin}/assets/app.js`, { headers: { cookie } })).status, 200);
    assert.equal((await fetch(`${host.origin}/assets/app.js`)).status, 401);
    assert.equal((await fetch(`${host.origin}/assets/../../etc/passwd?token=${host.token}`)).status, 404);
    // The API never accepts the cookie alone (a page elsewhere on 127.0.0.1 could send it).
    const r = await fetch(`${host.origin}/api/listOfficers`, { method: 'POST', headers: { cookie }, body: '{}' });
    assert.equal(r.status, 401);
    // A DNS-rebinding page would arrive with its own name in Host (fetch cannot forge Host: use http).
    const status = await new Promise<number>((res, rej) => {
      const req = request({ host: '127.0.0.1', port: host.port, path: `/api/events?token=${host.token}`, headers: { host: `evil.example:${host.port}` } }, (r) => {
        res(r.statusCode ?? 0);
        r.resume();
      });
      req.on('error', rej);
      req.end();
    });
    assert.equal(status, 403);
  });

  test('every contract method answers POST /api/<method> with the IPC envelope', async (t) => {
    const { api, casePath } = await hostFor(t);
    for (const m of methodNames) {
      const r = await api(m, { nonsense: true });
      assert.equal(r.status, 200, m);
      const env = (await r.json()) as { ok: boolean; error?: { code: string } };
      assert.equal(env.ok, false, m);
      assert.ok(['USAGE', 'AUTH_FAILED', 'NOT_FOUND'].includes(env.error!.code), `${m}: ${env.error!.code}`);
    }
    const info = (await (await api('caseInfo', { casePath })).json()) as { ok: boolean; value: { number: string } };
    assert.deepEqual([info.ok, info.value.number], [true, 'KH-2026-0142']);
    assert.equal((await api('caseInfo', { casePath }, { origin: 'http://evil.example' })).status, 403);
    assert.equal((await api('noSuchMethod', {})).status, 404);
  });

  test('jobs over SSE: progress, finished and failed events; content, ranges, thumbnails, item.viewed once', async (t) => {
    const { api, host, session, casePath, exportDir, service } = await hostFor(t);
    const events = await sse(
      `${host.origin}/api/events?token=${host.token}`,
      (s) => s.some((e) => e.type === 'job.finished') && s.some((e) => e.type === 'job.failed'),
      async () => {
        exhibitIn(service, session, 'EXH-1');
        const ok = (await (await api('startIngest', { session, sourcePath: exportDir, exhibit: 'EXH-1' })).json()) as { value: { jobId: string } };
        await service.jobs.settled(ok.value.jobId);
        await api('startIngest', { session, sourcePath: join(exportDir, 'missing'), exhibit: 'EXH-1' });
      },
    );
    assert.deepEqual([...new Set(events.map((e) => e.type))].sort(), [...eventNames].sort());
    const finished = events.find((e) => e.type === 'job.finished')!;
    assert.equal(finished.type === 'job.finished' && finished.payload.job === 'ingest' && finished.payload.result.files, 3);

    const items = service.listItems({ casePath, kind: 'file' }).items;
    const jpg = items.find((i) => i.name === 'IMG_0001.JPG')!;
    const html = items.find((i) => i.name === 'notes.html')!;
    const big = items.find((i) => i.name === 'big.bin')!;
    const url = (id: number, what = 'content', s = session) => `${host.origin}/api/items/${id}/${what}?session=${s}&token=${host.token}`;

    const img = await fetch(url(jpg.id));
    assert.equal(img.headers.get('content-type'), 'image/jpeg');
    assert.equal(img.headers.get('content-security-policy'), "sandbox; default-src 'none'");
    assert.equal(img.headers.get('x-content-type-options'), 'nosniff');
    // HTML evidence is never served as HTML.
    const h = await fetch(url(html.id));
    assert.equal(h.headers.get('content-type'), 'application/octet-stream');
    assert.match(await h.text(), /<script>/);
    // Ranges, of a store file (> 256 KiB) and of a blob.
    for (const id of [big.id, html.id]) {
      const r = await fetch(url(id), { headers: { range: 'bytes=10-19' } });
      assert.equal(r.status, 206);
      assert.match(r.headers.get('content-range')!, /^bytes 10-19\/\d+$/);
      assert.equal((await r.arrayBuffer()).byteLength, 10);
      assert.equal((await fetch(url(id), { headers: { range: 'bytes=99999999-' } })).status, 416);
    }
    assert.equal((await fetch(url(jpg.id, 'content', 'x'.repeat(64)))).status, 403);
    const thumb = await fetch(url(jpg.id, 'thumb'));
    assert.equal(thumb.status, 200);
    assert.equal(thumb.headers.get('content-type'), 'image/webp');
    assert.equal((await fetch(url(html.id, 'thumb'))).status, 400);
    const again = await fetch(url(jpg.id, 'thumb'));
    assert.equal(again.status, 200);

    const viewed = service.custodyLog({ casePath, action: 'item.viewed' });
    const per = new Map<string, number>();
    for (const e of viewed) {
      const k = `${e.target}:${(e.details as { as: string }).as === 'thumbnail' ? 't' : 'v'}`;
      per.set(k, (per.get(k) ?? 0) + 1);
    }
    assert.deepEqual([...per.values()].filter((n) => n > 1), [], 'once per item per session, not per request');
    assert.ok(per.get(`item:${big.id}:v`) === 1 && per.get(`item:${jpg.id}:t`) === 1);
  });

  test('the folder picker lists under its root only; recent cases are remembered', async (t) => {
    const { host, root } = await hostFor(t);
    const get = (p: string) => fetch(`${host.origin}${p}`, { headers: { 'X-Evidence-Token': host.token } }).then((r) => r.json() as Promise<{ ok: boolean; value?: { entries: { name: string; type: string }[] }; error?: { code: string } }>);
    const list = await get(`/api/ui/folders?path=${encodeURIComponent(root)}`);
    assert.ok(list.ok && list.value!.entries.some((e) => e.name === 'export' && e.type === 'dir'));
    const out = await get('/api/ui/folders?path=/etc');
    assert.equal(out.error?.code, 'FORBIDDEN');
    const post = await fetch(`${host.origin}/api/ui/recent`, {
      method: 'POST',
      headers: { 'X-Evidence-Token': host.token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ path: '/cases/a', name: 'A', number: 'N-1' }),
    });
    assert.equal(((await post.json()) as { ok: boolean }).ok, true);
    const recent = (await get('/api/ui/recent')) as unknown as { value: { path: string }[] };
    assert.equal(recent.value[0]!.path, '/cases/a');
  });
});

describe('previews', () => {
  test('Range headers: single ranges, suffixes, unsatisfiable, and what is ignored', () => {
    assert.deepEqual(parseRange('bytes=0-9', 100), { kind: 'range', range: { start: 0, end: 9 } });
    assert.deepEqual(parseRange('bytes=90-', 100), { kind: 'range', range: { start: 90, end: 99 } });
    assert.deepEqual(parseRange('bytes=-10', 100), { kind: 'range', range: { start: 90, end: 99 } });
    assert.deepEqual(parseRange('bytes=50-1000', 100), { kind: 'range', range: { start: 50, end: 99 } });
    assert.deepEqual(parseRange('bytes=100-', 100), { kind: 'unsatisfiable' });
    assert.deepEqual(parseRange('bytes=0-1,5-6', 100), { kind: 'none' });
    assert.deepEqual(parseRange('items=0-1', 100), { kind: 'none' });
    assert.deepEqual(parseRange(undefined, 100), { kind: 'none' });
  });

  test('Electron: app://evidence/api/items/<id>/content through the app handler, session-checked', async (t) => {
    const tc = newCase(t);
    const dir = tempDir(t);
    mkdirSync(join(dir, 'x'));
    writeFileSync(join(dir, 'x', 'page.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    await tc.service.ingest({ session: tc.session, exhibit: exhibitIn(tc.service, tc.session), sourcePath: join(dir, 'x') });
    const id = tc.service.listItems({ casePath: tc.casePath, kind: 'file' }).items[0]!.id;
    const handler = createAppHandler({ root: dir, csp: "default-src 'self'", content: (req) => contentResponse(tc.service, req) });
    const r = await handler(new Request(`app://evidence/api/items/${id}/content?session=${tc.session}`, { headers: { range: 'bytes=0-3' } }));
    assert.equal(r.status, 206);
    assert.equal(r.headers.get('content-type'), 'application/octet-stream', 'SVG is never served as an image or a document');
    assert.equal(r.headers.get('content-security-policy'), "sandbox; default-src 'none'");
    assert.equal(await r.text(), '<svg');
    const denied = await handler(new Request(`app://evidence/api/items/${id}/content?session=nope`));
    assert.equal(denied.status, 403);
    const missing = await handler(new Request(`app://evidence/api/items/999999/content?session=${tc.session}`));
    assert.equal(missing.status, 404);
  });

  test('JobRunner: status while running, cancel, failure codes, settled', async () => {
    const jobs = new JobRunner({ progressEveryMs: 0 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // The runner carries whatever its work reports (the front doors check events against their
    // schemas): values of no job's shape, to show that it neither reads nor changes them.
    const j = jobs.start('ingest', { casePath: '/c', officer: 'o' }, async (ctx) => {
      ctx.progress({ n: 1 } as never);
      await gate;
      return { aborted: ctx.signal.aborted } as never;
    });
    assert.equal(jobs.get(j.jobId).state, 'running');
    jobs.cancel(j.jobId);
    release();
    const done = await jobs.settled(j.jobId);
    assert.equal(done.state, 'cancelled');
    assert.deepEqual(done.result, { aborted: true });
    assert.throws(() => jobs.get('nope'), /There is no job/);
  });
});
