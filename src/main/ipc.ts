// Registers every contract method once as an IPC handler. Each call: check the sender is one of
// the app's own pages, parse the input with the contract, call the engine, and answer with an
// {ok, value} | {ok: false, error} envelope (errors cross IPC as data, never as a rejection whose
// message Electron mangles). Written against IpcMainLike so it is tested without Electron.
import { EvidenceError, type EvidenceService, errorMessage, type JobEvent } from '../core/index.ts';
import { type IpcResult, type RecentCaseEntry, SHELL_CHANNELS, channelFor } from '../preload/bridge.ts';
import { checkOutput, EVENT_CHANNEL, type EvidenceEvent, InputError, type MethodName, methodNames, parseEvent, parseInput } from '../shared/contract.ts';
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
  /**
   * Check every answer against the contract's output schema before it crosses (default true:
   * tests and development). The packaged app passes false: the schemas and the engine are held
   * together by tsc and contract-outputs.test.ts, and a big listing should not pay a parse.
   */
  checkOutputs?: boolean;
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
/** Only the top frame of an app page may call: not a subframe, not a page that navigated elsewhere, not a destroyed frame. */
function trusted(event: IpcInvokeEventLike, policy: OriginPolicy): boolean {
  const frame = event.senderFrame;
  return !!frame && (frame.parent === null || frame.parent === undefined) && isTrustedSender(frame.url, policy);
}

export function registerIpc(ipc: IpcMainLike, service: ServiceLike, opts: RegisterOptions): () => void {
  const channels: string[] = [];
  for (const method of methodNames) {
    const channel = channelFor(method);
    ipc.handle(channel, async (event, input): Promise<IpcResult> => {
      if (!trusted(event, opts.policy)) {
        return { ok: false, error: { code: 'FORBIDDEN', message: `${method} refused: the request did not come from the app's own page.` } };
      }
      try {
        const parsed = parseInput(method, input);
        const value = await call(service, method, parsed);
        if (opts.checkOutputs ?? true) checkOutput(method, value);
        return { ok: true, value };
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

/** The part of the service that emits events. */
export interface EventSourceLike {
  onEvent(listener: (e: JobEvent) => void): () => void;
}

/**
 * Forwards the engine's events to the renderer on the one EVENT_CHANNEL, each checked against
 * its schema in the contract first. `send` is webContents.send of the window (or a fake in tests).
 */
export function forwardEvents(
  service: EventSourceLike,
  send: (channel: string, event: EvidenceEvent) => void,
  onBadEvent?: (err: unknown) => void,
): () => void {
  return service.onEvent((e) => {
    let checked: EvidenceEvent;
    try {
      checked = parseEvent(e.type, e.payload);
    } catch (err) {
      onBadEvent?.(err);
      return;
    }
    send(EVENT_CHANNEL, checked);
  });
}

/** What the shell's functions need from Electron (clipboard, dialog) and the recent list. */
export interface ShellDeps {
  writeClipboard(text: string): void;
  showOpenDialog(kind: 'folder' | 'file', title: string | undefined): Promise<string | null>;
  recentCases(): RecentCaseEntry[];
  rememberCase(entry: RecentCaseEntry): void;
}

/** Registers the shell's functions (clipboard, dialogs, recent cases), with the same sender check. */
export function registerShellIpc(ipc: IpcMainLike, deps: ShellDeps, opts: { policy: OriginPolicy }): () => void {
  const guard =
    (name: string, f: (input: unknown) => unknown) =>
    async (event: IpcInvokeEventLike, input: unknown): Promise<IpcResult> => {
      if (!trusted(event, opts.policy)) {
        return { ok: false, error: { code: 'FORBIDDEN', message: `${name} refused: the request did not come from the app's own page.` } };
      }
      try {
        return { ok: true, value: await f(input) };
      } catch (err) {
        return errorEnvelope(err);
      }
    };
  const title = (input: unknown): string | undefined => {
    const t = (input as { title?: unknown } | null)?.title;
    return typeof t === 'string' ? t.slice(0, 200) : undefined;
  };
  const handlers: Record<keyof typeof SHELL_CHANNELS, (input: unknown) => unknown> = {
    copyText: (input) => {
      if (typeof input !== 'string') throw new InputError('copyText: the text must be a string');
      if (input.length > 1_000_000) throw new InputError('copyText: the text is too long');
      deps.writeClipboard(input);
      return null;
    },
    chooseFolder: (input) => deps.showOpenDialog('folder', title(input)),
    chooseFile: (input) => deps.showOpenDialog('file', title(input)),
    recentCases: () => deps.recentCases(),
    rememberCase: (input) => {
      const e = input as Partial<RecentCaseEntry> | null;
      if (!e || typeof e.path !== 'string' || !e.path) throw new InputError('rememberCase: path: the case folder is required');
      deps.rememberCase({ path: e.path, name: String(e.name ?? ''), number: String(e.number ?? '') });
      return deps.recentCases();
    },
  };
  const channels: string[] = [];
  for (const [name, channel] of Object.entries(SHELL_CHANNELS) as [keyof typeof SHELL_CHANNELS, string][]) {
    ipc.handle(channel, guard(name, handlers[name]));
    channels.push(channel);
  }
  return () => {
    for (const c of channels) ipc.removeHandler(c);
  };
}
