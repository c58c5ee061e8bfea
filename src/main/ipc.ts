// Registers every contract method once as an IPC handler. Each call: check the sender is one of
// the app's own pages, parse the input with the contract, call the engine, and answer with an
// {ok, value} | {ok: false, error} envelope (errors cross IPC as data, never as a rejection whose
// message Electron mangles). Written against IpcMainLike so it is tested without Electron.
import { EvidenceError, errorMessage } from '../core/errors.ts';
import type { EvidenceService } from '../core/service.ts';
import { type IpcResult, channelFor } from '../preload/bridge.ts';
import { InputError, type MethodName, methodNames, parseInput } from '../shared/contract.ts';
import { type OriginPolicy, isTrustedSender } from './security.ts';

/** The part of an IpcMainInvokeEvent the handlers look at. */
export interface IpcInvokeEventLike {
  senderFrame?: { url: string; parent?: unknown } | null;
}

/** The part of Electron's ipcMain this module uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

/** The engine as IPC sees it: every contract method (tsc fails here if one is missing). */
export type ServiceLike = Pick<EvidenceService, MethodName>;

export interface RegisterOptions {
  policy: OriginPolicy;
  /** Called with unexpected (INTERNAL) errors, for the main-process log. */
  onInternalError?: (method: MethodName, err: unknown) => void;
}

export function errorEnvelope(err: unknown): IpcResult<never> {
  if (err instanceof EvidenceError || err instanceof InputError) {
    return { ok: false, error: { code: err.code, message: err.message } };
  }
  return { ok: false, error: { code: 'INTERNAL', message: `Internal error: ${errorMessage(err)}` } };
}

/** Calls one method of the engine with already-parsed input. */
async function call(service: ServiceLike, method: MethodName, input: unknown): Promise<unknown> {
  const fn = service[method] as (this: ServiceLike, input: unknown) => unknown;
  return await fn.call(service, input);
}

/**
 * Registers a handler on `evidence:<method>` for every method of the contract; returns a function
 * that removes them all.
 */
export function registerIpc(ipc: IpcMainLike, service: ServiceLike, opts: RegisterOptions): () => void {
  const channels: string[] = [];
  for (const method of methodNames) {
    const channel = channelFor(method);
    ipc.handle(channel, async (event, input): Promise<IpcResult> => {
      const frame = event.senderFrame;
      // Only the top frame of an app page may call the engine: not a subframe, not a page that
      // navigated elsewhere, not a destroyed frame.
      if (!frame || (frame.parent !== null && frame.parent !== undefined) || !isTrustedSender(frame.url, opts.policy)) {
        return { ok: false, error: { code: 'FORBIDDEN', message: `${method} refused: the request did not come from the app's own page.` } };
      }
      try {
        const parsed = parseInput(method, input);
        return { ok: true, value: await call(service, method, parsed) };
      } catch (err) {
        const envelope = errorEnvelope(err);
        if (!envelope.ok && envelope.error.code === 'INTERNAL') opts.onInternalError?.(method, err);
        return envelope;
      }
    });
    channels.push(channel);
  }
  return () => {
    for (const c of channels) ipc.removeHandler(c);
  };
}
