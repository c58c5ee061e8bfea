// The renderer's one client of the engine, derived from the contract's method list. In the
// desktop app it calls window.evidence (the preload bridge over IPC); in a plain browser it talks
// to the browser host (src/host) over fetch + EventSource with the token of the run. Both return
// the same {ok, value | error} envelopes; call() unwraps them and throws ApiError.
import type { IpcResult, RecentCaseEntry } from '../preload/bridge.ts';
import { EVENT_CHANNEL, type EvidenceEvent, type Input, type MethodName, methodNames, type Output } from '../shared/contract.ts';
import { localizedError } from './errorText.ts';

// What each method answers, as the contract's output schemas say (the UI's components import it from here).
export type { Output };

export class ApiError extends Error {
  readonly code: string;
  /** The engine's own (English) message; `message` is what the UI shows, in its language. */
  readonly engineMessage: string;
  constructor(code: string, message: string) {
    super(localizedError(code, message));
    this.name = 'ApiError';
    this.code = code;
    this.engineMessage = message;
  }
}

export interface FolderEntry {
  name: string;
  path: string;
  type: 'dir' | 'file';
  size: number | null;
}
export interface FolderListing {
  path: string;
  parent: string | null;
  root: string;
  entries: FolderEntry[];
  truncated: boolean;
}

export interface Client {
  kind: 'electron' | 'web';
  call<M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>>;
  onEvent(listener: (e: EvidenceEvent) => void): () => void;
  copyText(text: string): Promise<void>;
  /** Electron: the native dialog. Web: null (the UI shows its folder picker instead). */
  chooseNative: ((kind: 'folder' | 'file') => Promise<string | null>) | null;
  /** Web only: lists a folder on the host for the folder picker. */
  listFolder: ((path: string | null) => Promise<FolderListing>) | null;
  recentCases(): Promise<RecentCaseEntry[]>;
  rememberCase(entry: RecentCaseEntry): Promise<void>;
  contentUrl(session: string, id: number): string;
  /** size 'view': the large rendition of a photo the browser cannot decode itself (HEIC), made by the engine. */
  thumbUrl(session: string, id: number, size?: 'view'): string;
  /** fetch for preview bytes (adds the token in the web host). */
  fetchContent(session: string, id: number, range?: { start: number; end: number }): Promise<Response>;
}

function unwrap<T>(r: IpcResult): T {
  if (r.ok) return r.value as T;
  throw new ApiError(r.error.code, r.error.message);
}

function electronClient(bridge: NonNullable<Window['evidence']>): Client {
  const contentUrl = (session: string, id: number) => `app://evidence/api/items/${id}/content?session=${encodeURIComponent(session)}`;
  const thumbUrl = (session: string, id: number, size?: 'view') =>
    `app://evidence/api/items/${id}/thumb?session=${encodeURIComponent(session)}${size ? `&size=${size}` : ''}`;
  return {
    kind: 'electron',
    call: async <M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>> => {
      const fn = (bridge as unknown as Record<string, (i: unknown) => Promise<IpcResult>>)[method];
      if (!fn) throw new ApiError('INTERNAL', `The app has no method ${method}`);
      return unwrap<Output<M>>(await fn(input));
    },
    onEvent: (listener) => bridge.onEvent(listener),
    copyText: async (text) => void unwrap(await bridge.copyText(text)),
    chooseNative: async (kind) => unwrap<string | null>(await (kind === 'folder' ? bridge.chooseFolder() : bridge.chooseFile())),
    listFolder: null,
    recentCases: async () => unwrap<RecentCaseEntry[]>(await bridge.recentCases()),
    rememberCase: async (e) => void unwrap(await bridge.rememberCase(e)),
    contentUrl,
    thumbUrl,
    fetchContent: (session, id, range) =>
      fetch(contentUrl(session, id), { headers: range ? { Range: `bytes=${range.start}-${range.end}` } : {}, cache: 'no-store' }),
  };
}

/** The token of this browser-host run: from ?token= (kept for reloads in sessionStorage). */
export function hostToken(): string {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) {
    sessionStorage.setItem('evidence.token', fromUrl);
    return fromUrl;
  }
  return sessionStorage.getItem('evidence.token') ?? '';
}

function webClient(): Client {
  const token = hostToken();
  const headers = { 'Content-Type': 'application/json', 'X-Evidence-Token': token };
  const post = async <T>(path: string, body: unknown): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body ?? null), cache: 'no-store' });
    } catch (err) {
      throw new ApiError('OFFLINE', `The host is not answering (${String(err)}). Is npm run dev:web still running?`);
    }
    const env = (await res.json().catch(() => ({ ok: false, error: { code: 'INTERNAL', message: `HTTP ${res.status}` } }))) as IpcResult;
    return unwrap<T>(env);
  };
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(path, { headers: { 'X-Evidence-Token': token }, cache: 'no-store' });
    return unwrap<T>((await res.json()) as IpcResult);
  };
  const q = (session: string) => `session=${encodeURIComponent(session)}&token=${encodeURIComponent(token)}`;
  let source: EventSource | null = null;
  const listeners = new Set<(e: EvidenceEvent) => void>();
  return {
    kind: 'web',
    call: <M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>> => {
      if (!methodNames.includes(method)) return Promise.reject(new ApiError('INTERNAL', `No method ${method}`));
      return post<Output<M>>(`./api/${method}`, input);
    },
    onEvent: (listener) => {
      listeners.add(listener);
      if (!source) {
        source = new EventSource(`./api/events?token=${encodeURIComponent(token)}`);
        source.addEventListener(EVENT_CHANNEL, (m) => {
          const e = JSON.parse((m as MessageEvent<string>).data) as EvidenceEvent;
          for (const l of [...listeners]) l(e);
        });
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && source) {
          source.close();
          source = null;
        }
      };
    },
    copyText: (text) => navigator.clipboard.writeText(text),
    chooseNative: null,
    listFolder: (path) => get<FolderListing>(`./api/ui/folders${path ? `?path=${encodeURIComponent(path)}` : ''}`),
    recentCases: () => get<RecentCaseEntry[]>('./api/ui/recent'),
    rememberCase: async (e) => void (await post('./api/ui/recent', e)),
    contentUrl: (session, id) => `./api/items/${id}/content?${q(session)}`,
    thumbUrl: (session, id, size) => `./api/items/${id}/thumb?${q(session)}${size ? `&size=${size}` : ''}`,
    fetchContent: (session, id, range) =>
      fetch(`./api/items/${id}/content?${q(session)}`, { headers: range ? { Range: `bytes=${range.start}-${range.end}` } : {}, cache: 'no-store' }),
  };
}

let client: Client | null = null;
export function getClient(): Client {
  client ??= window.evidence ? electronClient(window.evidence) : webClient();
  return client;
}
