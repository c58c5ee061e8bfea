// The shape of window.evidence and its IPC channels, derived from the one contract: the preload
// exposes buildBridge(ipcRenderer.invoke), main's ipc.ts registers a handler on channelFor(m) for
// every method, and the renderer sees the EvidenceBridge type. No electron import here, so the
// bridge is unit-tested in plain Node.
import { type Input, type MethodName, methodNames } from '../shared/contract.ts';

export const CHANNEL_PREFIX = 'evidence:';

export function channelFor(method: MethodName): `evidence:${MethodName}` {
  return `${CHANNEL_PREFIX}${method}`;
}

/** What every bridge call resolves to: engine errors come back as data, never as a throw. */
export type IpcResult<T = unknown> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

/** window.evidence: one function per contract method, and nothing else. */
export type EvidenceBridge = { readonly [M in MethodName]: (input: Input<M>) => Promise<IpcResult> };

export type Invoke = (channel: string, input: unknown) => Promise<unknown>;

/** Builds the frozen object the preload exposes as window.evidence. */
export function buildBridge(invoke: Invoke): EvidenceBridge {
  const api: Record<string, (input: unknown) => Promise<IpcResult>> = {};
  for (const m of methodNames) {
    const channel = channelFor(m);
    // Only the input crosses: no callbacks, no event objects, no ipcRenderer.
    api[m] = (input: unknown) => invoke(channel, input) as Promise<IpcResult>;
  }
  return Object.freeze(api) as unknown as EvidenceBridge;
}
