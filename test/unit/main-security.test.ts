// The Electron security policy's pure parts: webPreferences, CSP, URL allow-lists, the request
// filter, navigation/permission decisions, and the app:// file server. No Electron needed.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createAppHandler, mimeTypeFor, resolveAppPath } from '../../src/main/appProtocol.ts';
import {
  APP_ENTRY_URL,
  contentSecurityPolicy,
  devServerOrigin,
  isAppUrl,
  isDevServerUrl,
  isTrustedSender,
  navigationAllowed,
  permissionAllowed,
  requestVerdict,
  secureWebPreferences,
} from '../../src/main/security.ts';

const DEV = { devServerUrl: 'http://localhost:5173' };
const PROD = {};

describe('webPreferences', () => {
  test('the full checklist, nothing left to defaults', () => {
    const p = secureWebPreferences('/app/.vite/build/preload.cjs');
    assert.equal(p.preload, '/app/.vite/build/preload.cjs');
    assert.equal(p.contextIsolation, true);
    assert.equal(p.sandbox, true);
    assert.equal(p.nodeIntegration, false);
    assert.equal(p.nodeIntegrationInWorker, false);
    assert.equal(p.nodeIntegrationInSubFrames, false);
    assert.equal(p.webSecurity, true);
    assert.equal(p.allowRunningInsecureContent, false);
    assert.equal(p.webviewTag, false);
    assert.equal(p.experimentalFeatures, false);
    assert.equal(p.navigateOnDragDrop, false);
    assert.equal(p.devTools, false, 'devtools are off unless asked for (dev only)');
    assert.equal(secureWebPreferences('x', { devTools: true }).devTools, true);
  });
});

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values];
    }),
  );
}

describe('Content-Security-Policy', () => {
  test('production: self only, no inline script, no eval, no remote, no frames/forms/plugins', () => {
    const csp = contentSecurityPolicy(PROD);
    const d = directives(csp);
    assert.deepEqual(d.get('default-src'), ["'self'"]);
    assert.deepEqual(d.get('script-src'), ["'self'"]);
    assert.deepEqual(d.get('style-src'), ["'self'"]);
    assert.deepEqual(d.get('connect-src'), ["'self'"]);
    assert.deepEqual(d.get('object-src'), ["'none'"]);
    assert.deepEqual(d.get('frame-src'), ["'none'"]);
    assert.deepEqual(d.get('frame-ancestors'), ["'none'"]);
    assert.deepEqual(d.get('base-uri'), ["'none'"]);
    assert.deepEqual(d.get('form-action'), ["'none'"]);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|wasm-unsafe-eval|\*|https?:|wss?:/);
  });

  test('dev: the dev server origin and its HMR socket only', () => {
    const csp = contentSecurityPolicy(DEV);
    const d = directives(csp);
    assert.deepEqual(d.get('connect-src'), ["'self'", 'ws://localhost:5173']);
    assert.doesNotMatch(csp, /unsafe-eval|\*|https?:/);
    assert.doesNotMatch(csp, /ws:\/\/(?!localhost:5173)/);
  });

  test('a non-loopback dev server URL is ignored: production policy', () => {
    assert.equal(contentSecurityPolicy({ devServerUrl: 'http://192.168.1.20:5173' }), contentSecurityPolicy(PROD));
    assert.equal(contentSecurityPolicy({ devServerUrl: 'https://evil.example' }), contentSecurityPolicy(PROD));
  });

  test('the <meta> variant leaves out frame-ancestors (ignored in meta) and nothing else', () => {
    const meta = contentSecurityPolicy(PROD, { meta: true });
    assert.doesNotMatch(meta, /frame-ancestors/);
    assert.equal(meta, contentSecurityPolicy(PROD).replace("; frame-ancestors 'none'", ''));
  });
});

describe('URL allow-lists', () => {
  test('devServerOrigin accepts loopback http(s) only', () => {
    assert.equal(devServerOrigin('http://localhost:5173/')?.href, 'http://localhost:5173/');
    assert.equal(devServerOrigin('http://127.0.0.1:3000')?.host, '127.0.0.1:3000');
    assert.equal(devServerOrigin('http://[::1]:5173')?.host, '[::1]:5173');
    for (const bad of [undefined, '', 'not a url', 'http://example.com:5173', 'http://localhost.evil.example', 'file:///tmp', 'http://user:pw@localhost:5173']) {
      assert.equal(devServerOrigin(bad), null, String(bad));
    }
  });

  test('isAppUrl: app://evidence only', () => {
    assert.ok(isAppUrl(APP_ENTRY_URL));
    assert.ok(isAppUrl('app://evidence/assets/index.js'));
    for (const bad of ['app://other/index.html', 'app://evidence.evil/x', 'https://evidence/index.html', 'file:///index.html', 'app:evidence', 'garbage']) {
      assert.equal(isAppUrl(bad), false, bad);
    }
  });

  test('isDevServerUrl: exact origin (and its ws), nothing else', () => {
    assert.ok(isDevServerUrl('http://localhost:5173/src/main.tsx', DEV));
    assert.ok(isDevServerUrl('ws://localhost:5173/', DEV));
    assert.equal(isDevServerUrl('http://localhost:5174/', DEV), false);
    assert.equal(isDevServerUrl('http://127.0.0.1:5173/', DEV), false);
    assert.equal(isDevServerUrl('https://localhost:5173/', DEV), false);
    assert.equal(isDevServerUrl('http://localhost:5173/', PROD), false);
  });

  test('isTrustedSender: app pages (and the dev server in dev) only', () => {
    assert.ok(isTrustedSender(APP_ENTRY_URL, PROD));
    assert.ok(isTrustedSender('http://localhost:5173/', DEV));
    assert.equal(isTrustedSender('http://localhost:5173/', PROD), false);
    assert.equal(isTrustedSender('ws://localhost:5173/', DEV), false, 'a socket is not a page');
    for (const bad of [null, undefined, '', 'about:blank', 'https://example.com/', 'file:///etc/passwd', 'data:text/html,hi', 'devtools://devtools/x']) {
      assert.equal(isTrustedSender(bad, DEV), false, String(bad));
    }
  });
});

describe('session request filter', () => {
  const cases: [string, typeof DEV | typeof PROD, boolean][] = [
    // [url, policy, allowed]
    ['app://evidence/index.html', PROD, true],
    ['app://evidence/assets/x.js', DEV, true],
    ['app://other/x', PROD, false],
    ['data:image/png;base64,AAAA', PROD, true],
    ['blob:app://evidence/1234', PROD, true],
    ['https://example.com/', PROD, false],
    ['http://example.com/', DEV, false],
    ['https://localhost:5173/', DEV, false],
    ['http://localhost:5173/@vite/client', DEV, true],
    ['ws://localhost:5173/', DEV, true],
    ['http://localhost:5173/', PROD, false],
    ['ws://localhost:5173/', PROD, false],
    ['wss://example.com/', DEV, false],
    ['ftp://example.com/x', DEV, false],
    ['file:///etc/passwd', PROD, false],
    ['file:///etc/passwd', DEV, false],
    ['devtools://devtools/bundled/devtools_app.html', DEV, true],
    ['devtools://devtools/bundled/devtools_app.html', PROD, false],
    ['chrome-extension://abc/x.js', DEV, false],
    ['javascript:alert(1)', PROD, false],
    ['not a url', PROD, false],
  ];
  for (const [url, policy, allowed] of cases) {
    test(`${allowed ? 'allows' : 'blocks'} ${url} (${policy === DEV ? 'dev' : 'production'})`, () => {
      assert.deepEqual(requestVerdict(url, policy), { cancel: !allowed });
    });
  }
});

describe('navigation and permissions', () => {
  test('every navigation is refused, even to the app itself', () => {
    for (const url of ['https://example.com/', 'file:///etc/passwd', APP_ENTRY_URL, 'http://localhost:5173/']) {
      assert.equal(navigationAllowed(url), false, url);
    }
  });
  test('every permission is refused', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read', 'fullscreen', 'unknown']) {
      assert.equal(permissionAllowed(p), false, p);
    }
  });
});

describe('app:// path resolver', () => {
  const root = resolve('/srv/app/renderer');

  test('maps app URLs to files under the root', () => {
    assert.deepEqual(resolveAppPath(root, 'app://evidence/'), { ok: true, file: join(root, 'index.html') });
    assert.deepEqual(resolveAppPath(root, 'app://evidence/index.html'), { ok: true, file: join(root, 'index.html') });
    assert.deepEqual(resolveAppPath(root, 'app://evidence/assets/index-abc.js?v=1#x'), {
      ok: true,
      file: join(root, 'assets', 'index-abc.js'),
    });
    assert.deepEqual(resolveAppPath(root, 'app://evidence/assets/a%20b.css'), { ok: true, file: join(root, 'assets', 'a b.css') });
  });

  test('never resolves outside the root, however the path is spelled', () => {
    const attacks = [
      'app://evidence/../../etc/passwd',
      'app://evidence/%2e%2e/%2e%2e/etc/passwd',
      'app://evidence/%2E%2E/secret',
      'app://evidence/.%2e/secret',
      'app://evidence/%2e/index.html',
      'app://evidence//etc/passwd',
      'app://evidence/%2F%2Fetc%2Fpasswd',
      'app://evidence/assets/..%2f..%2f..%2fetc/passwd',
      'app://evidence/a/%2e%2e%2f%2e%2e%2fsecret',
      'app://evidence/..%5c..%5cwindows%5csystem32',
      'app://evidence/assets%5c..%5c..%5csecret',
      'app://evidence/index.html%00.png',
      'app://evidence/%C0%AE%C0%AE/secret',
      'app://evidence/C:/Windows/win.ini',
    ];
    for (const url of attacks) {
      const r = resolveAppPath(root, url);
      // The URL parser folds plain and %2e dot segments first (Chromium does the same before the
      // handler sees the URL): those land inside the root, where they are simply not found.
      if (r.ok) assert.ok(r.file.startsWith(join(root, '/')), `${url} -> ${r.file}`);
    }
  });

  test('refuses outright what survives URL parsing: encoded separators, NUL, bad escapes, drives', () => {
    const refused: [string, number][] = [
      ['app://evidence/assets/..%2f..%2f..%2fetc/passwd', 403],
      ['app://evidence/a/%2e%2e%2f%2e%2e%2fsecret', 403],
      ['app://evidence/..%5c..%5cwindows%5csystem32', 400],
      ['app://evidence/assets%5c..%5c..%5csecret', 400],
      ['app://evidence/index.html%00.png', 400],
      ['app://evidence/%C0%AE%C0%AE/secret', 400],
      ['app://evidence/C:/Windows/win.ini', 403],
    ];
    for (const [url, status] of refused) {
      const r = resolveAppPath(root, url);
      assert.equal(r.ok, false, url);
      if (!r.ok) assert.equal(r.status, status, url);
    }
  });

  test('refuses other schemes and hosts, and malformed URLs', () => {
    for (const url of ['file:///srv/app/renderer/index.html', 'https://evidence/index.html', 'app://other/index.html', 'app://evidence/%E0%A4%A', '::']) {
      assert.equal(resolveAppPath(root, url).ok, false, url);
    }
  });

  test('mime types', () => {
    assert.equal(mimeTypeFor('index.html'), 'text/html; charset=utf-8');
    assert.equal(mimeTypeFor('a/b.JS'), 'text/javascript; charset=utf-8');
    assert.equal(mimeTypeFor('x.css'), 'text/css; charset=utf-8');
    assert.equal(mimeTypeFor('x.woff2'), 'font/woff2');
    assert.equal(mimeTypeFor('x.exe'), 'application/octet-stream');
  });
});

describe('app:// handler', () => {
  let dir: string;
  let root: string;
  const csp = contentSecurityPolicy(PROD);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'evidence-appproto-'));
    root = join(dir, 'renderer');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Evidence Catalogue</title>');
    writeFileSync(join(root, 'assets', 'index.js'), 'console.log(1)');
    writeFileSync(join(dir, 'secret.txt'), 'outside the root');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const get = (url: string, method = 'GET') => createAppHandler({ root, csp })(new Request(url, { method }));

  test('serves index.html at / with the CSP and hardening headers', async () => {
    const res = await get('app://evidence/');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('content-security-policy'), csp);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(await res.text(), /Evidence Catalogue/);
  });

  test('serves assets with their type', async () => {
    const res = await get('app://evidence/assets/index.js');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(await res.text(), 'console.log(1)');
  });

  test('HEAD has headers and no body', async () => {
    const res = await get('app://evidence/index.html', 'HEAD');
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '');
  });

  test('missing files and folders are 404, traversal 403, other methods 405', async () => {
    assert.equal((await get('app://evidence/nope.js')).status, 404);
    assert.equal((await get('app://evidence/assets')).status, 404);
    // Folded by the URL parser to app://evidence/secret.txt, which is not under the root.
    assert.equal((await get('app://evidence/%2e%2e/secret.txt')).status, 404);
    assert.equal((await get('app://evidence/assets/..%2f..%2fsecret.txt')).status, 403);
    const post = await get('app://evidence/index.html', 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('content-security-policy'), csp, 'errors carry the CSP too');
  });
});
