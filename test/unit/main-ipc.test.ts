// IPC registration and the preload bridge, without Electron: a fake ipcMain (IpcMainLike) and
// the real EvidenceService on a temp case folder, called the way the renderer calls it.
import { TEST_PASSWORD, TEST_SCRYPT_N } from '../setup.ts';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EvidenceService } from '../../src/core/service.ts';
import { type IpcInvokeEventLike, type IpcMainLike, type ServiceLike, forwardEvents, registerIpc, registerShellIpc } from '../../src/main/ipc.ts';
import { APP_ENTRY_URL, type OriginPolicy } from '../../src/main/security.ts';
import { CHANNEL_PREFIX, type IpcResult, SHELL_CHANNELS, buildBridge, channelFor, shellFunctions } from '../../src/preload/bridge.ts';
import { EVENT_CHANNEL, type EvidenceEvent, type MethodName, type VerifyReport, eventNames, events, methodNames } from '../../src/shared/contract.ts';
import { TEST_PASSWORD as PW } from '../setup.ts';
import { JobRunner } from '../../src/core/jobs/runner.ts';

type Listener = (event: IpcInvokeEventLike, ...args: unknown[]) => unknown;

/** Behaves like Electron's ipcMain for handle/removeHandler, plus an invoke to play the renderer. */
class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Listener>();
  handle(channel: string, listener: Listener): void {
    // Electron throws on a second handler for the same channel.
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  async invoke(channel: string, input: unknown, frame: IpcInvokeEventLike['senderFrame'] = { url: APP_ENTRY_URL, parent: null }): Promise<IpcResult> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`);
    // What crosses IPC is structured-cloned both ways.
    const result = await h({ senderFrame: frame }, structuredClone(input));
    return structuredClone(result) as IpcResult;
  }
}

const PROD: OriginPolicy = {};
const DEV: OriginPolicy = { devServerUrl: 'http://localhost:5173' };

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'evidence-ipc-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('registerIpc', () => {
  test('registers exactly one handler per contract method, on evidence:<method>', () => {
    const ipc = new FakeIpcMain();
    const service = new EvidenceService({ scryptN: TEST_SCRYPT_N });
    try {
      registerIpc(ipc, service, { policy: PROD });
      assert.deepEqual([...ipc.handlers.keys()].sort(), methodNames.map((m) => `${CHANNEL_PREFIX}${m}`).sort());
      assert.ok(methodNames.length >= 7, 'the contract lists the engine methods');
      for (const m of methodNames) {
        assert.equal(typeof (service as unknown as Record<string, unknown>)[m], 'function', `EvidenceService implements ${m}`);
      }
    } finally {
      service.close();
    }
  });

  test('registering twice fails loudly (as Electron does); unregister removes every handler', () => {
    const ipc = new FakeIpcMain();
    const service = new EvidenceService({ scryptN: TEST_SCRYPT_N });
    try {
      const unregister = registerIpc(ipc, service, { policy: PROD });
      assert.throws(() => registerIpc(ipc, service, { policy: PROD }), /second handler/);
      unregister();
      assert.equal(ipc.handlers.size, 0);
      registerIpc(ipc, service, { policy: PROD });
      assert.equal(ipc.handlers.size, methodNames.length);
    } finally {
      service.close();
    }
  });

  test('createCase then caseInfo through IPC, on a real case folder', async () => {
    const ipc = new FakeIpcMain();
    const service = new EvidenceService({ scryptN: TEST_SCRYPT_N });
    try {
      registerIpc(ipc, service, { policy: PROD });
      const casePath = join(dir, 'case-1');
      const created = await ipc.invoke(channelFor('createCase'), {
        casePath,
        name: 'Operation Sakura',
        number: 'KH-2026-0142',
        officer: 'Sgt. Tanaka',
        password: TEST_PASSWORD,
      });
      assert.equal(created.ok, true, JSON.stringify(created));
      const info = await ipc.invoke(channelFor('caseInfo'), { casePath });
      assert.equal(info.ok, true, JSON.stringify(info));
      if (!info.ok) return;
      const v = info.value as { number: string; name: string; createdBy: string; exhibits: number; items: number };
      assert.equal(v.number, 'KH-2026-0142');
      assert.equal(v.name, 'Operation Sakura');
      assert.equal(v.createdBy, 'Sgt. Tanaka');
      assert.equal(v.items, 0);
    } finally {
      service.close();
    }
  });

  test('bad input is a USAGE error envelope naming the field, never a throw', async () => {
    const ipc = new FakeIpcMain();
    const service = new EvidenceService({ scryptN: TEST_SCRYPT_N });
    try {
      registerIpc(ipc, service, { policy: PROD });
      for (const input of [{}, null, undefined, 'a string', 42, { casePath: '' }, { casePath: 7 }]) {
        const r = await ipc.invoke(channelFor('caseInfo'), input);
        assert.equal(r.ok, false);
        if (!r.ok) {
          assert.equal(r.error.code, 'USAGE', JSON.stringify(input));
          assert.match(r.error.message, /Invalid input to caseInfo/);
        }
      }
      const r = await ipc.invoke(channelFor('createCase'), { casePath: join(dir, 'x'), name: ' ', number: 'N', officer: 'O' });
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.error.message, /name: the case name is required/);
    } finally {
      service.close();
    }
  });

  test("the engine's own errors keep their code", async () => {
    const ipc = new FakeIpcMain();
    const service = new EvidenceService({ scryptN: TEST_SCRYPT_N });
    try {
      registerIpc(ipc, service, { policy: PROD });
      const r = await ipc.invoke(channelFor('caseInfo'), { casePath: join(dir, 'not-a-case') });
      assert.deepEqual(r.ok, false);
      if (!r.ok) {
        assert.equal(r.error.code, 'NOT_A_CASE');
        assert.match(r.error.message, /is not a case folder/);
      }
    } finally {
      service.close();
    }
  });

  test('unexpected errors become INTERNAL and are reported to the main-process log', async () => {
    const ipc = new FakeIpcMain();
    const calls: string[] = [];
    const broken = new Proxy(
      {},
      {
        get: (_t, prop) => () => {
          calls.push(String(prop));
          throw new TypeError('boom');
        },
      },
    ) as ServiceLike;
    const logged: [MethodName, unknown][] = [];
    registerIpc(ipc, broken, { policy: PROD, onInternalError: (m, err) => logged.push([m, err]) });
    const r = await ipc.invoke(channelFor('caseInfo'), { casePath: '/x' });
    assert.deepEqual(r, { ok: false, error: { code: 'INTERNAL', message: 'Internal error: boom' } });
    assert.deepEqual(calls, ['caseInfo']);
    assert.equal(logged.length, 1);
    assert.equal(logged[0]![0], 'caseInfo');
  });

  test('refuses senders that are not the app: other origins, subframes, destroyed frames', async () => {
    const ipc = new FakeIpcMain();
    const calls: string[] = [];
    const spy = new Proxy(
      {},
      {
        get: (_t, prop) => (input: unknown) => {
          calls.push(String(prop));
          return { echoed: input };
        },
      },
    ) as ServiceLike;
    // The spy answers anything: the sender check is under test here, not the answers' schemas.
    registerIpc(ipc, spy, { policy: PROD, checkOutputs: false });
    const input = { casePath: '/x' };
    const untrusted: IpcInvokeEventLike['senderFrame'][] = [
      { url: 'https://example.com/', parent: null },
      { url: 'file:///tmp/evil.html', parent: null },
      { url: 'http://localhost:5173/', parent: null },
      { url: 'about:blank', parent: null },
      { url: APP_ENTRY_URL, parent: { url: APP_ENTRY_URL } },
      { url: '', parent: null },
      null,
    ];
    for (const frame of untrusted) {
      const r = await ipc.invoke(channelFor('caseInfo'), input, frame);
      assert.equal(r.ok, false, JSON.stringify(frame));
      if (!r.ok) assert.equal(r.error.code, 'FORBIDDEN');
    }
    const noFrame = (await ipc.handlers.get(channelFor('caseInfo'))!({}, input)) as IpcResult;
    assert.equal(!noFrame.ok && noFrame.error.code, 'FORBIDDEN');
    assert.deepEqual(calls, [], 'the engine is never called for a refused sender');
    const ok = await ipc.invoke(channelFor('caseInfo'), input);
    assert.deepEqual(ok, { ok: true, value: { echoed: input } });
  });

  test('in dev, the dev server page is trusted too (and only its exact origin)', async () => {
    const ipc = new FakeIpcMain();
    const spy = new Proxy({}, { get: () => () => 'ok' }) as ServiceLike;
    registerIpc(ipc, spy, { policy: DEV, checkOutputs: false });
    assert.equal((await ipc.invoke(channelFor('caseInfo'), { casePath: '/x' }, { url: 'http://localhost:5173/', parent: null })).ok, true);
    assert.equal((await ipc.invoke(channelFor('caseInfo'), { casePath: '/x' }, { url: 'http://localhost:5174/', parent: null })).ok, false);
    assert.equal((await ipc.invoke(channelFor('caseInfo'), { casePath: '/x' }, { url: APP_ENTRY_URL, parent: null })).ok, true);
  });
});

describe('preload bridge', () => {
  test('one function per contract method, onEvent and the shell functions, frozen, nothing else', () => {
    const bridge = buildBridge(async () => undefined);
    assert.deepEqual(Object.keys(bridge).sort(), [...methodNames, 'onEvent', ...shellFunctions].sort());
    assert.ok(Object.isFrozen(bridge));
    for (const m of methodNames) assert.equal(typeof bridge[m], 'function');
    assert.equal((bridge as unknown as Record<string, unknown>).invoke, undefined);
    assert.equal((bridge as unknown as Record<string, unknown>).ipcRenderer, undefined);
  });

  test('each function invokes its own channel with the input only', async () => {
    const seen: unknown[][] = [];
    const bridge = buildBridge(async (...args) => {
      seen.push(args);
      return { ok: true, value: null };
    });
    await bridge.caseInfo({ casePath: '/c' });
    assert.deepEqual(seen, [['evidence:caseInfo', { casePath: '/c' }]]);
  });

  test('renderer -> preload bridge -> IPC -> engine, end to end', async () => {
    const ipc = new FakeIpcMain();
    const service = new EvidenceService({ scryptN: TEST_SCRYPT_N });
    try {
      registerIpc(ipc, service, { policy: PROD });
      const bridge = buildBridge((channel, input) => ipc.invoke(channel, input));
      const casePath = join(dir, 'case-2');
      const created = await bridge.createCase({ casePath, name: 'Bridge', number: 'B-1', officer: 'Insp. Sato', password: TEST_PASSWORD });
      assert.equal(created.ok, true, JSON.stringify(created));
      const info = await bridge.caseInfo({ casePath });
      assert.equal(info.ok && (info.value as { name: string }).name, 'Bridge');
      const bad = await bridge.caseInfo({ casePath: '' });
      assert.equal(!bad.ok && bad.error.code, 'USAGE');
    } finally {
      service.close();
    }
  });
});

describe('events', () => {
  test('the contract defines job.progress, job.finished and job.failed as zod schemas', () => {
    assert.deepEqual([...eventNames].sort(), ['job.failed', 'job.finished', 'job.progress']);
    for (const e of eventNames) assert.equal(typeof events[e].safeParse, 'function');
  });

  test('onEvent: one subscription; the listener sees the event data only; unsubscribe works', () => {
    let pushed: ((e: unknown) => void) | null = null;
    let unsubscribed = 0;
    const bridge = buildBridge(
      async () => undefined,
      (l) => {
        pushed = l;
        return () => unsubscribed++;
      },
    );
    const seen: EvidenceEvent[] = [];
    const off = bridge.onEvent((e) => seen.push(e));
    const ev = { type: 'job.failed', payload: { jobId: 'j', job: 'ingest', casePath: '/c', error: { code: 'X', message: 'm' } } };
    pushed!(ev);
    assert.deepEqual(seen, [ev]);
    off();
    assert.equal(unsubscribed, 1);
    assert.throws(() => bridge.onEvent('nope' as never), /function/);
  });

  test('forwardEvents sends every event kind, schema-checked, on the one channel', async () => {
    const jobs = new JobRunner({ progressEveryMs: 0 });
    const sent: [string, EvidenceEvent][] = [];
    const bad: unknown[] = [];
    forwardEvents(jobs, (ch, e) => sent.push([ch, e]), (err) => bad.push(err));
    const chain = { ok: true, events: 0, headSeq: 0, headHash: '0'.repeat(64), firstBad: null, problems: [] };
    const report: VerifyReport = {
      ok: true,
      objects: { total: 2, matched: 2, changed: 0, missing: 0 },
      items: { total: 2, hashed: 2 },
      problems: [],
      unstored: [],
      unfinished: [],
      chain,
      custody: {
        ok: true,
        chain,
        checkpoints: { total: 0, verified: 0, latest: null },
        transfers: { total: 0, verified: 0 },
        attribution: { officers: [], keyless: 0, unattributed: 0, openSessions: [] },
        receipts: { searched: [], found: 0, agree: 0, codes: [], receipts: [] },
        findings: [],
      },
      elapsedMs: 5,
    };
    const ok = jobs.start('verify', { casePath: '/c', officer: 'o' }, async (ctx) => {
      ctx.progress({ objectsDone: 1, objectsTotal: 2, bytesDone: 3, bytesTotal: 4 });
      return report;
    });
    await jobs.settled(ok.jobId);
    const failed = jobs.start('ingest', { casePath: '/c', officer: 'o' }, async () => {
      throw new Error('disk on fire');
    });
    await jobs.settled(failed.jobId);
    // Values of no job's shape (only a bug could make them): never sent.
    const malformed = jobs.start('ingest', { casePath: '/c', officer: 'o' }, async (ctx) => {
      ctx.progress({ nonsense: true } as never);
      return null as never;
    });
    await jobs.settled(malformed.jobId);
    assert.ok(sent.every(([ch]) => ch === EVENT_CHANNEL));
    const types = sent.map(([, e]) => e.type);
    assert.deepEqual(types.slice(0, 3), ['job.progress', 'job.finished', 'job.failed']);
    assert.ok(bad.length >= 1, 'an event that does not match its schema is not sent');
    const f = sent[2]![1];
    assert.equal(f.type === 'job.failed' && f.payload.error.code, 'INTERNAL');
  });

  test('every event kind reaches the renderer through IPC + bridge from a real ingest job', async (t) => {
    const ipc = new FakeIpcMain();
    const service = new EvidenceService({ scryptN: TEST_SCRYPT_N });
    t.after(() => service.close());
    registerIpc(ipc, service, { policy: PROD });
    const listeners = new Set<(e: unknown) => void>();
    forwardEvents(service, (_ch, e) => {
      for (const l of listeners) l(structuredClone(e));
    });
    const bridge = buildBridge(
      (ch, input) => ipc.invoke(ch, input),
      (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    );
    const seen: EvidenceEvent[] = [];
    bridge.onEvent((e) => seen.push(e));
    const casePath = join(dir, 'case-events');
    assert.equal((await bridge.createCase({ casePath, name: 'Ev', number: 'E-1', officer: 'Sgt. Ito', password: PW })).ok, true);
    const signed = await bridge.signIn({ casePath, officer: 'Sgt. Ito', password: PW });
    assert.ok(signed.ok);
    const session = (signed.value as { session: string }).session;
    assert.ok((await bridge.addExhibit({ session, number: 'EXH-1' })).ok, 'an ingest needs an exhibit the case holds');
    const started = await bridge.startIngest({ session, sourcePath: join(dir, 'missing-export'), exhibit: 'EXH-1' });
    assert.ok(started.ok, JSON.stringify(started));
    const jobId = (started.value as { jobId: string }).jobId;
    await service.jobs.settled(jobId);
    assert.ok(seen.some((e) => e.type === 'job.failed' && e.payload.jobId === jobId && e.payload.error.code === 'SOURCE_UNREADABLE'));
    const status = await bridge.jobStatus({ session, jobId });
    assert.equal(status.ok && (status.value as { state: string }).state, 'failed');
  });
});

describe('shell functions', () => {
  test('copyText, dialogs and recent cases: registered on their channels, sender-checked', async () => {
    const ipc = new FakeIpcMain();
    const copied: string[] = [];
    const recent: { path: string; name: string; number: string }[] = [];
    registerShellIpc(
      ipc,
      {
        writeClipboard: (t) => copied.push(t),
        showOpenDialog: async (kind) => (kind === 'folder' ? '/picked/folder' : null),
        recentCases: () => recent,
        rememberCase: (e) => recent.unshift(e),
      },
      { policy: PROD },
    );
    assert.deepEqual([...ipc.handlers.keys()].sort(), Object.values(SHELL_CHANNELS).sort());
    const bridge = buildBridge((ch, input) => ipc.invoke(ch, input));
    assert.deepEqual(await bridge.copyText('e3b0c442'), { ok: true, value: null });
    assert.deepEqual(copied, ['e3b0c442']);
    assert.deepEqual(await bridge.chooseFolder(), { ok: true, value: '/picked/folder' });
    assert.deepEqual(await bridge.chooseFile(), { ok: true, value: null });
    const r = await bridge.rememberCase({ path: '/cases/a', name: 'A', number: 'N' });
    assert.equal(r.ok && (r.value as unknown[]).length, 1);
    const refused = await ipc.invoke(SHELL_CHANNELS.copyText, 'x', { url: 'https://example.com/', parent: null });
    assert.equal(!refused.ok && refused.error.code, 'FORBIDDEN');
    assert.deepEqual(copied, ['e3b0c442'], 'a refused sender copies nothing');
    const bad = await ipc.invoke(SHELL_CHANNELS.copyText, { not: 'text' });
    assert.equal(!bad.ok && bad.error.code, 'USAGE');
  });
});
