// The shape of window.evidence and its IPC channels, derived from the one contract: the preload
// exposes buildBridge(ipcRenderer.invoke, subscribe), main's ipc.ts registers a handler on
// channelFor(m) for every method, and the renderer sees the EvidenceBridge type. Besides the
// contract's methods the bridge has ONE event subscription (onEvent: job progress, finished,
// failed, pushed by main on EVENT_CHANNEL) and the few things only the desktop shell can do
// (copy to the clipboard, the native open dialogs, the recent cases list), each on its own
// channel. No electron import here, so the bridge is unit-tested in plain Node.
import { EVENT_CHANNEL, type EvidenceEvent, type Input, type MethodName, methodNames } from '../shared/contract.ts';

export const CHANNEL_PREFIX = 'evidence:';
export { EVENT_CHANNEL };

export function channelFor(method: MethodName): `evidence:${MethodName}` {
  return `${CHANNEL_PREFIX}${method}`;
}

/** What every bridge call resolves to: engine errors come back as data, never as a throw. */
export type IpcResult<T = unknown> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

export interface RecentCaseEntry {
  path: string;
  name: string;
  number: string;
  openedAt?: string;
}

/** The desktop shell's own functions (not engine methods), each on its own IPC channel. */
export const SHELL_CHANNELS = {
  copyText: 'evidence-shell:copyText',
  chooseFolder: 'evidence-shell:chooseFolder',
  chooseFile: 'evidence-shell:chooseFile',
  recentCases: 'evidence-shell:recentCases',
  rememberCase: 'evidence-shell:rememberCase',
} as const;
export type ShellFunction = keyof typeof SHELL_CHANNELS;
export const shellFunctions = Object.keys(SHELL_CHANNELS) as ShellFunction[];

export interface ShellBridge {
  /** Copies text with Electron's clipboard module in main (the renderer's clipboard permission is denied). */
  copyText(text: string): Promise<IpcResult<null>>;
  /** The native folder dialog; null when cancelled. */
  chooseFolder(opts?: { title?: string }): Promise<IpcResult<string | null>>;
  /** The native file dialog (exports that are files: ZIP, TAR, UFDR, .ab); null when cancelled. */
  chooseFile(opts?: { title?: string }): Promise<IpcResult<string | null>>;
  recentCases(): Promise<IpcResult<RecentCaseEntry[]>>;
  rememberCase(entry: RecentCaseEntry): Promise<IpcResult<RecentCaseEntry[]>>;
}

/** window.evidence: one function per contract method, onEvent, and the shell's functions. */
export type EvidenceBridge = { readonly [M in MethodName]: (input: Input<M>) => Promise<IpcResult> } & {
  /** Subscribes to the engine's events; returns the unsubscribe function. */
  readonly onEvent: (listener: (event: EvidenceEvent) => void) => () => void;
} & Readonly<ShellBridge>;

export type Invoke = (channel: string, input: unknown) => Promise<unknown>;
export type Subscribe = (listener: (event: unknown) => void) => () => void;

/** Builds the frozen object the preload exposes as window.evidence. */
export function buildBridge(invoke: Invoke, subscribe: Subscribe = () => () => undefined): EvidenceBridge {
  const api: Record<string, unknown> = {};
  for (const m of methodNames) {
    const channel = channelFor(m);
    // Only the input crosses: no callbacks, no event objects, no ipcRenderer.
    api[m] = (input: unknown) => invoke(channel, input) as Promise<IpcResult>;
  }
  api.onEvent = (listener: (event: EvidenceEvent) => void) => {
    if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
    // The listener sees the event's data only, never the IPC event object.
    return subscribe((event) => listener(event as EvidenceEvent));
  };
  api.copyText = (text: string) => invoke(SHELL_CHANNELS.copyText, String(text));
  api.chooseFolder = (opts?: { title?: string }) => invoke(SHELL_CHANNELS.chooseFolder, { title: opts?.title });
  api.chooseFile = (opts?: { title?: string }) => invoke(SHELL_CHANNELS.chooseFile, { title: opts?.title });
  api.recentCases = () => invoke(SHELL_CHANNELS.recentCases, null);
  api.rememberCase = (entry: RecentCaseEntry) =>
    invoke(SHELL_CHANNELS.rememberCase, { path: entry.path, name: entry.name, number: entry.number });
  return Object.freeze(api) as unknown as EvidenceBridge;
}
