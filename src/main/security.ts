// The Electron security policy as plain data and pure functions, so every decision is unit-tested
// without Electron (test/unit/main-security.test.ts). main.ts only wires these into Electron.
// No electron import here.

/** The privileged scheme the renderer is served from, instead of file://. */
export const APP_SCHEME = 'app';
/** Host part of app:// URLs: a standard scheme needs one, and 'self' in the CSP is this origin. */
export const APP_HOST = 'evidence';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Where the renderer comes from. In production (and in any packaged app) only app://; under
 * `electron-forge start` also the Vite dev server, and only its exact origin (and its HMR socket).
 */
export interface OriginPolicy {
  /** The Vite dev server URL (e.g. http://localhost:5173) when running under forge start. */
  devServerUrl?: string | undefined;
}

/** webPreferences of every window: the Electron security checklist, nothing left to defaults. */
export function secureWebPreferences(preload: string, opts: { devTools?: boolean } = {}) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools: opts.devTools ?? false,
  } as const;
}

/** Parses a dev server URL to its origin; only loopback http(s) URLs qualify. */
export function devServerOrigin(devServerUrl: string | undefined): URL | null {
  if (!devServerUrl) return null;
  let u: URL;
  try {
    u = new URL(devServerUrl);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (!isLoopbackHost(u.hostname)) return null;
  if (u.username || u.password) return null;
  return new URL(u.origin);
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/**
 * The Content-Security-Policy of the app's pages. Production: everything from the app:// origin
 * only, no inline script, no eval, no remote anything, no frames, no forms, no plugins.
 * Dev (forge start): the Vite dev server needs its inline React-refresh preamble, injected
 * styles and the HMR websocket, so the policy names that one origin and nothing else.
 */
export function contentSecurityPolicy(policy: OriginPolicy = {}, opts: { meta?: boolean } = {}): string {
  const dev = devServerOrigin(policy.devServerUrl);
  const script = dev ? "'self' 'unsafe-inline'" : "'self'";
  const style = dev ? "'self' 'unsafe-inline'" : "'self'";
  const wsScheme = dev?.protocol === 'https:' ? 'wss:' : 'ws:';
  const connect = dev ? `'self' ${wsScheme}//${dev.host}` : "'self'";
  return [
    "default-src 'self'",
    `script-src ${script}`,
    `style-src ${style}`,
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "font-src 'self'",
    `connect-src ${connect}`,
    "worker-src 'self'",
    "object-src 'none'",
    "frame-src 'none'",
    "child-src 'none'",
    // Only honoured as a header; a <meta> CSP must leave it out (the browser warns otherwise).
    ...(opts.meta ? [] : ["frame-ancestors 'none'"]),
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** True for app://evidence/... (and nothing else on the app scheme). */
export function isAppUrl(url: string): boolean {
  const u = parse(url);
  return !!u && u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && !u.username && !u.password;
}

/** True for a URL on the dev server's exact origin (http and its HMR websocket). */
export function isDevServerUrl(url: string, policy: OriginPolicy): boolean {
  const dev = devServerOrigin(policy.devServerUrl);
  const u = parse(url);
  if (!dev || !u || u.username || u.password) return false;
  const ws = dev.protocol === 'https:' ? 'wss:' : 'ws:';
  return (u.protocol === dev.protocol || u.protocol === ws) && u.host === dev.host;
}

/**
 * May a page from this URL talk to the engine (IPC)? Only the app's own pages: app:// and, under
 * forge start, the dev server. A null/absent frame (navigated away, destroyed) may not.
 */
export function isTrustedSender(frameUrl: string | null | undefined, policy: OriginPolicy): boolean {
  if (!frameUrl) return false;
  if (isAppUrl(frameUrl)) return true;
  const u = parse(frameUrl);
  return !!u && (u.protocol === 'http:' || u.protocol === 'https:') && isDevServerUrl(frameUrl, policy);
}

export type RequestVerdict = { cancel: boolean };

/**
 * The session-level request filter: may this request leave the renderer? Allowed: the app's own
 * scheme, data:/blob: (never touch the network), devtools in dev, and the dev server's exact
 * origin in dev. Everything else (http, https, ws, ftp, file, other schemes) is cancelled: the
 * app makes no network request at all.
 */
export function requestVerdict(url: string, policy: OriginPolicy): RequestVerdict {
  const u = parse(url);
  if (!u) return { cancel: true };
  const dev = devServerOrigin(policy.devServerUrl) !== null;
  switch (u.protocol) {
    case `${APP_SCHEME}:`:
      return { cancel: !isAppUrl(url) };
    case 'data:':
    case 'blob:':
      return { cancel: false };
    case 'devtools:':
      return { cancel: !dev };
    case 'http:':
    case 'https:':
    case 'ws:':
    case 'wss:':
      return { cancel: !isDevServerUrl(url, policy) };
    default:
      return { cancel: true };
  }
}

/**
 * In-page navigation is never needed: the renderer is a single page. Every attempt to navigate
 * (a link in a preview, a drag-and-drop of a file, a redirect) is refused.
 */
export function navigationAllowed(_url: string): boolean {
  return false;
}

/** Permission requests (camera, microphone, notifications, geolocation, ...): all refused. */
export function permissionAllowed(_permission: string): boolean {
  return false;
}
