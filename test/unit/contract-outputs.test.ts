// The contract's output schemas (src/shared/outputs.ts) against what the engine really answers:
// every method of the contract is called on a small generated case (real SQLite, real bytes,
// real workers) and its answer parsed with its schema, and every kind of job event likewise.
// A parse must give back exactly the answer (z.object drops keys it does not name), so a field
// added, renamed or dropped on one side only fails here. tsc checks the same at the type level
// (typesAgree below), and the IPC and browser-host boundaries check answers in development.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ZodType } from 'zod';
import type { EvidenceService } from '../../src/core/index.ts';
import { registerIpc, type IpcInvokeEventLike, type IpcMainLike, type ServiceLike } from '../../src/main/ipc.ts';
import { APP_ENTRY_URL } from '../../src/main/security.ts';
import { channelFor } from '../../src/preload/bridge.ts';
import { checkOutput, type EvidenceEvent, eventNames, events, methodNames, type MethodName, type Output, OutputError, outputs } from '../../src/shared/contract.ts';
import { exifJpeg } from '../fixtures/images.ts';
import { targetList } from '../fixtures/detect.ts';
import { TOKYO } from '../fixtures/tree.ts';
import { TEST_PASSWORD } from '../setup.ts';
import { newCase, tempDir } from './helpers.ts';

// ---------------------------------------------------------------------------------------------
// At the type level: each method's declared answer is its output type, both ways round.
type Answer<M extends MethodName> = Awaited<ReturnType<EvidenceService[M]>>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Agreement = { [M in MethodName]: Same<Answer<M>, Output<M>> };
// tsc fails on this line, naming the method, when the engine's answer and the contract's differ.
const typesAgree: Record<MethodName, true> = {} as Agreement;

/** Parses an answer with its method's schema; the parse must give the answer back unchanged. */
function checked<M extends MethodName>(seen: Set<MethodName>, method: M, value: Output<M>): Output<M> {
  const r = (outputs[method] as ZodType).safeParse(value);
  assert.ok(r.success, `${method}: the answer does not match its schema: ${r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  // Compared as they cross IPC (structured clone): prototypes aside, the same keys and values.
  assert.deepEqual(structuredClone(r.data), structuredClone(value), `${method}: the answer holds a field its schema does not name`);
  seen.add(method);
  return value;
}

/** Parses a job event with its schema, which must also give it back unchanged. */
function checkEvent(e: EvidenceEvent): void {
  const r = (events[e.type] as ZodType).safeParse(e.payload);
  assert.ok(r.success, `${e.type} (${e.payload.job}): ${r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  assert.deepEqual(structuredClone(r.data), structuredClone(e.payload), `${e.type} (${e.payload.job}): the event holds a field its schema does not name`);
}

/** A small export: a photo with GPS, a victim call list (the detectors' target-lists rule), a note with a word to search. */
function makeExport(root: string, name: string): { dir: string; photoMd5: string } {
  const dir = join(root, name);
  mkdirSync(join(dir, 'DCIM'), { recursive: true });
  const photo = exifJpeg(TOKYO, 'IMG_0001');
  writeFileSync(join(dir, 'DCIM', 'IMG_0001.JPG'), photo);
  writeFileSync(join(dir, 'list.csv'), targetList(60).csv);
  writeFileSync(join(dir, 'notes.txt'), 'meet at the harbour at 22:00, bring the phones\n');
  mkdirSync(join(dir, 'empty-folder'));
  return { dir, photoMd5: createHash('md5').update(photo).digest('hex') };
}

describe('output schemas against real answers', () => {
  test('the declared answer of every method is its output type (tsc)', () => {
    assert.ok(typesAgree, 'checked by tsc: see typesAgree');
    assert.deepEqual(Object.keys(outputs).sort(), [...methodNames].sort(), 'an output schema for every method, and none for a method that is not');
  });

  test('every method, every job event, on a generated case', async (t) => {
    const seen = new Set<MethodName>();
    const jobEvents: EvidenceEvent[] = [];
    const root = tempDir(t, 'evidence-outputs-');
    const { service, casePath, session, officer } = newCase(t);
    service.onEvent((e) => jobEvents.push(structuredClone(e)));
    const c = <M extends MethodName>(method: M, value: Output<M>) => checked(seen, method, value);
    const PW = TEST_PASSWORD;

    // A second case: createCase's own answer (with the recovery code), used for the unlock below.
    const other = join(root, 'other-case');
    const made = c('createCase', service.createCase({ casePath: other, name: 'Other', number: 'O-1', officer: 'Admin A', password: PW }));
    c('caseInfo', service.caseInfo({ casePath }));
    assert.equal(c('setCaseTimeZone', service.setCaseTimeZone({ session, zone: 'Asia/Phnom_Penh' })).timeZone, 'Asia/Phnom_Penh');
    assert.equal(service.caseInfo({ casePath }).timeZone, 'Asia/Phnom_Penh');

    // Officers.
    c('addOfficer', service.addOfficer({ session, name: 'Insp. Sato', role: 'examiner', badge: 'B-7', unit: 'Cyber', password: PW }));
    c('addOfficer', service.addOfficer({ session, name: 'PC Mori', role: 'officer', password: PW }));
    const sato = c('signIn', service.signIn({ casePath, officer: 'Insp. Sato', password: PW, location: 'Lab 2' }));
    c('setOfficerStatus', service.setOfficerStatus({ session, name: 'PC Mori', status: 'disabled', reason: 'moved to another unit' }));
    assert.ok(c('listOfficers', service.listOfficers({ casePath })).length >= 3);

    // Exhibits and custody.
    c('addExhibit', service.addExhibit({ session, number: 'EXH-001', sealNumber: 'S-1', description: 'iPhone 12', deviceMake: 'Apple', seizedBy: officer }));
    c('recordSeal', service.recordSeal({ session, exhibit: 'EXH-001', action: 'broken', reason: 'to image the phone' }));
    c('transferCustody', service.transferCustody({ session, toSession: sato.session, exhibit: 'EXH-001', reason: 'to the lab for examination' }));
    const witness = join(root, 'witness');
    mkdirSync(witness);
    c('addWitness', service.addWitness({ session, folder: witness }));
    const cp = c('checkpoint', service.checkpoint({ session, reason: 'before the ingest' }));
    assert.ok(cp.receipt.written.length >= 1, 'a receipt was written to the witness folder');

    // Ingest: once through the callback door, once as a job (events), once failing, once cancelled.
    const a = makeExport(root, 'export-a');
    const summary = c('ingest', await service.ingest({ session, sourcePath: a.dir, exhibit: 'EXH-001' }));
    assert.ok(summary.files >= 3 && summary.folders >= 1);
    const b = makeExport(root, 'export-b');
    writeFileSync(join(b.dir, 'extra.bin'), Buffer.alloc(200_000, 3));
    const ingestJob = c('startIngest', service.startIngest({ session, exhibit: 'EXH-001', sourcePath: b.dir }));
    await service.jobs.settled(ingestJob.jobId);
    const failedJob = service.startIngest({ session, exhibit: 'EXH-001', sourcePath: join(root, 'no-such-export') });
    await service.jobs.settled(failedJob.jobId);
    const d = makeExport(root, 'export-d');
    const cancelled = service.startIngest({ session, exhibit: 'EXH-001', sourcePath: d.dir });
    c('cancelJob', service.cancelJob({ session, jobId: cancelled.jobId }));
    await service.jobs.settled(cancelled.jobId);
    c('jobStatus', service.jobStatus({ session, jobId: cancelled.jobId }));
    const done = c('jobStatus', service.jobStatus({ session, jobId: ingestJob.jobId }));
    assert.equal(done.state, 'finished');
    assert.ok(done.result && 'sourceId' in done.result, 'a finished ingest job holds its summary');
    c('jobStatus', service.jobStatus({ session, jobId: failedJob.jobId }));

    // The catalogue.
    const listed = c('listItems', service.listItems({ casePath, sort: 'path' }));
    assert.ok(listed.total >= 8);
    c('listItems', service.listItems({ casePath, family: 'images', hasGps: true }));
    const photo = listed.items.find((i) => i.name === 'IMG_0001.JPG')!;
    c('caseOverview', service.caseOverview({ casePath }));
    const sources = c('folderChildren', service.folderChildren({ casePath }));
    c('folderChildren', service.folderChildren({ casePath, source: sources.nodes[0]!.source, path: '' }));

    // Known hashes, tags, notes, suggestions, rule packs.
    const setFile = join(root, 'known.md5');
    writeFileSync(setFile, `${a.photoMd5}  IMG_0001.JPG\n${'0'.repeat(32)}  nothing.bin\n`);
    c('importHashset', await service.importHashset({ session, file: setFile, name: 'Known photos', kind: 'bad' }));
    c('listHashsets', service.listHashsets({ casePath }));
    // The same as a job (progress, finished): a known-good set that matches nothing here.
    const goodFile = join(root, 'known-good.sha256');
    writeFileSync(goodFile, `${'1'.repeat(64)}  nothing.bin\n`);
    const hashsetJob = c('startHashsetImport', service.startHashsetImport({ session, file: goodFile, name: 'Nothing here', kind: 'good' }));
    const imported = c('jobStatus', await service.jobs.settled(hashsetJob.jobId));
    assert.equal(imported.state, 'finished', JSON.stringify(imported.error));
    assert.ok(imported.result && 'set' in imported.result && imported.result.matched === 0, 'a finished hash set job holds the import');
    c('addTag', service.addTag({ session, id: 'harbour', labelEn: 'Harbour', labelJa: '港', colour: '#3366cc' }));
    c('tagItems', service.tagItems({ session, tag: 'harbour', ids: [photo.id], comment: 'seen at the harbour' }));
    c('tagItems', service.tagItems({ session, tag: 'harbour', where: { query: 'harbour' } }));
    c('untagItems', service.untagItems({ session, tag: 'harbour', where: { query: 'harbour' } }));
    c('tagItems', service.tagItems({ session, tag: 'harbour', ids: [photo.id] }));
    c('listTags', service.listTags({ session }));
    const note = c('addNote', service.addNote({ session, item: photo.id, text: 'the same photo as in export B' }));
    c('addNote', service.addNote({ session, item: photo.id, text: 'kept' }));
    c('removeNote', service.removeNote({ session, note: note.id, reason: 'written on the wrong item' }));
    const packFile = join(root, 'pack.json');
    writeFileSync(
      packFile,
      JSON.stringify({
        id: 'local-harbour',
        name: 'Harbour meetings',
        version: 1,
        rules: [{ id: 'harbour', tag: 'harbour', description: 'meetings at the harbour', keywords: { minScore: 1, terms: [{ text: 'harbour' }] } }],
      }),
    );
    c('addRulePack', service.addRulePack({ session, file: packFile }));
    c('listRulePacks', service.listRulePacks({ casePath }));
    c('runSuggestions', service.runSuggestions({ session }));
    const suggestions = c('listSuggestions', service.listSuggestions({ casePath }));
    assert.ok(suggestions.suggestions.length > 0, 'the detectors suggested something to check');
    c('decideSuggestions', service.decideSuggestions({ session, ids: [suggestions.suggestions[0]!.id], decision: 'accepted', comment: 'agreed' }));
    c('listSuggestions', service.listSuggestions({ casePath, status: 'accepted' }));

    // An item with everything (hash-set match, tags, notes, text, custody), and search.
    const item = c('getItem', service.getItem({ session, id: photo.id }));
    assert.ok(item.hashsetMatches.length === 1 && item.tags.length === 1 && item.notes.length >= 1 && item.metadata?.lat != null);
    const text = listed.items.find((i) => i.name === 'notes.txt')!;
    assert.ok(c('getItem', service.getItem({ session, id: text.id })).textIndex);
    assert.ok(c('getItemText', service.getItemText({ session, id: text.id, query: 'harbour' })).hits.length > 0);
    assert.ok(c('search', service.search({ session, query: 'harbour' })).hits.length > 0);
    c('search', service.search({ session, query: 'nowhere-to-be-found' }));
    c('reindexText', await service.reindexText({ session, all: true }));
    // The same as a job (kind 'reindex'): progress of both stages, then the summary.
    const reindexJob = c('startReindex', service.startReindex({ session, all: true, workers: 1 }));
    const reindexed = c('jobStatus', await service.jobs.settled(reindexJob.jobId));
    assert.equal(reindexed.state, 'finished', JSON.stringify(reindexed.error));
    assert.ok(reindexed.result && 'candidates' in reindexed.result && reindexed.result.indexed > 0, 'a finished reindex job holds its summary');

    // A bundle for prosecutors: exported as a job (progress, finished), checked; a second export
    // cancelled at once fails as CANCELLED and leaves nothing.
    const bundleDir = join(root, 'bundle-harbour');
    const exportJob = c('startExport', service.startExport({ session, selection: { tags: ['harbour'] }, destination: bundleDir, lang: 'en' }));
    const exported = c('jobStatus', await service.jobs.settled(exportJob.jobId));
    assert.equal(exported.state, 'finished', JSON.stringify(exported.error));
    assert.ok(exported.result && 'bundleId' in exported.result && exported.result.files === 1, 'a finished export job holds its result');
    const bundleReport = c('verifyBundle', await service.verifyBundle({ path: bundleDir }));
    assert.equal(bundleReport.ok, true, JSON.stringify(bundleReport.findings));
    const stopped = service.startExport({ session, selection: { all: true }, destination: join(root, 'bundle-stopped'), zip: true });
    service.cancelJob({ session, jobId: stopped.jobId });
    const stoppedStatus = c('jobStatus', await service.jobs.settled(stopped.jobId));
    assert.equal(stoppedStatus.state, 'cancelled');
    assert.equal(stoppedStatus.error?.code, 'CANCELLED');
    assert.deepEqual(readdirSync(root).filter((n) => n.includes('bundle-stopped')), [], 'a cancelled export leaves nothing behind');
    assert.throws(() => service.startExport({ session, selection: {}, destination: join(root, 'bundle-none') }), /Say what to export/);
    // Review mode: the bundle opened read-only answers the case's reading methods with the same shapes.
    c('sessionInfo', service.sessionInfo({ session }));
    const opened = c('openBundle', await service.openBundle({ path: bundleDir }));
    assert.ok(opened.session && opened.intact);
    const review = opened.session;
    assert.equal(c('sessionInfo', service.sessionInfo({ session: review })).mode, 'review');
    const reviewed = c('listItems', service.listItems({ casePath: bundleDir }));
    assert.equal(reviewed.total, 1);
    c('getItem', service.getItem({ session: review, id: reviewed.items[0]!.id }));
    c('search', service.search({ session: review, query: 'IMG_0001' }));
    c('caseInfo', service.caseInfo({ casePath: bundleDir }));
    c('caseOverview', service.caseOverview({ casePath: bundleDir }));
    c('listExhibits', service.listExhibits({ casePath: bundleDir }));
    c('getExhibit', service.getExhibit({ casePath: bundleDir, number: 'EXH-001' }));
    c('listOfficers', service.listOfficers({ casePath: bundleDir }));
    c('custodyLog', service.custodyLog({ casePath: bundleDir }));
    c('listTags', service.listTags({ session: review }));
    c('addReviewNote', service.addReviewNote({ path: bundleDir, item: reviewed.items[0]!.id, text: 'seen', officer: 'Prosecutor Ito', password: PW }));
    assert.equal(c('listReviewNotes', service.listReviewNotes({ path: bundleDir })).ok, true);
    c('closeBundle', service.closeBundle({ session: review }));

    // Verification, the log, the form, the receipts.
    c('verify', await service.verify({ session }));
    const verifyJob = c('startVerify', service.startVerify({ session }));
    await service.jobs.settled(verifyJob.jobId);
    c('jobStatus', service.jobStatus({ session, jobId: verifyJob.jobId }));
    c('verifyCustody', await service.verifyCustody({ casePath }));
    c('custodyLog', service.custodyLog({ casePath, limit: 50 }));
    c('custodyLog', service.custodyLog({ casePath, item: photo.id }));
    const page = c('custodyPage', service.custodyPage({ casePath, limit: 5 }));
    assert.equal(page.events.length, 5);
    c('custodyPage', service.custodyPage({ casePath, at: page.events[0]!.seq }));
    c('listExhibits', service.listExhibits({ casePath }));
    c('getExhibit', service.getExhibit({ casePath, number: 'EXH-001' }));
    assert.match(c('custodyForm', service.custodyForm({ casePath, exhibit: 'EXH-001' })), /EXH-001/);
    c('checkpoint', service.checkpoint({ session }));
    const receipts = c('listReceipts', service.listReceipts({ casePath }));
    assert.ok(receipts.receipts.length >= 2, 'the witness folder holds the checkpoints');
    c('signOut', service.signOut({ session: sato.session }));

    // A locked account unlocked with the recovery code (in the second case).
    for (let i = 0; i < 5; i++) assert.throws(() => service.signIn({ casePath: other, officer: 'Admin A', password: 'wrong password' }));
    c('unlockWithRecoveryCode', service.unlockWithRecoveryCode({ casePath: other, officer: 'Admin A', password: PW, recoveryCode: made.recoveryCode }));
    c('signOut', service.signOut({ session }));

    assert.deepEqual(
      methodNames.filter((m) => !seen.has(m)),
      [],
      'every method of the contract was called and its answer checked',
    );

    // Every kind of event, and each one checked.
    for (const e of jobEvents) checkEvent(e);
    const kinds = new Set(jobEvents.map((e) => `${e.type}/${e.payload.job}`));
    for (const k of ['job.progress/ingest', 'job.finished/ingest', 'job.failed/ingest', 'job.progress/verify', 'job.finished/verify', 'job.progress/export', 'job.finished/export', 'job.failed/export', 'job.progress/reindex', 'job.finished/reindex', 'job.progress/hashset', 'job.finished/hashset']) {
      assert.ok(kinds.has(k), `a ${k} event was seen (saw ${[...kinds].join(', ')})`);
    }
    assert.deepEqual([...new Set(jobEvents.map((e) => e.type))].sort(), [...eventNames].sort());
  });
});

test('a receipt line of the right type but the wrong fields is named as damage; the answer keeps the contract', async (t) => {
  const { service, casePath, session, summary } = newCase(t);
  const witness = join(tempDir(t, 'evidence-witness-'), 'usb');
  mkdirSync(witness);
  service.addWitness({ session, folder: witness });
  service.checkpoint({ session });
  const file = join(witness, readdirSync(witness)[0]!);
  appendFileSync(file, `${JSON.stringify({ type: 'evidence-catalogue/custody-checkpoint', case: summary.uuid, seq: 'x', officer: 7 })}\n\n`);
  const report = await service.verifyCustody({ casePath });
  assert.equal(report.ok, false);
  assert.match(report.findings.find((f) => f.what === 'receipt-invalid')?.message ?? '', /line 2 is not a well-formed custody receipt \(version is missing or wrong\): it was altered or forged/);
  assert.deepEqual(report.receipts.receipts.map((r) => r.status), ['agrees'], 'the good receipt is still checked');
  // Before, the hand-made object went out as a receipt and the boundary check refused the answer.
  assert.doesNotThrow(() => checkOutput('verifyCustody', report));
  assert.doesNotThrow(() => checkOutput('listReceipts', service.listReceipts({ casePath })));
});

describe('answers are checked at the IPC boundary', () => {
  class FakeIpc implements IpcMainLike {
    readonly handlers = new Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => unknown>();
    handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void {
      this.handlers.set(channel, listener);
    }
    removeHandler(channel: string): void {
      this.handlers.delete(channel);
    }
    invoke(channel: string, input: unknown): Promise<unknown> {
      return Promise.resolve(this.handlers.get(channel)!({ senderFrame: { url: APP_ENTRY_URL, parent: null } }, input));
    }
  }
  // An engine whose caseInfo has drifted from the contract (a field renamed).
  const drifted = {
    caseInfo: () => ({ path: '/c', uuid: 'u', number: 'N', title: 'renamed', createdAt: '', createdBy: '', exhibits: 0, items: 0, files: 0, bytes: 0, custodyEvents: 0 }),
  } as unknown as ServiceLike;

  test('an answer that does not match its schema is an INTERNAL error, not a value (development and tests)', async () => {
    const ipc = new FakeIpc();
    const internal: string[] = [];
    registerIpc(ipc, drifted, { policy: {}, onInternalError: (m) => internal.push(m) });
    const r = (await ipc.invoke(channelFor('caseInfo'), { casePath: '/c' })) as { ok: boolean; error?: { code: string; message: string } };
    assert.equal(r.ok, false);
    assert.equal(r.error!.code, 'INTERNAL');
    assert.match(r.error!.message, /^Internal error: The engine's answer to caseInfo does not match the contract \(name: .*\)/);
    assert.deepEqual(internal, ['caseInfo']);
  });

  test('checkOutput: a bad answer throws; a listing over 1,000 rows is not parsed (no cost on big pages)', () => {
    const bogus = { id: 'not a number' };
    assert.throws(() => checkOutput('listItems', { total: 2, items: [bogus, bogus] }), OutputError);
    assert.throws(() => checkOutput('custodyForm', 42), /answer to custodyForm does not match the contract \(output: /);
    assert.doesNotThrow(() => checkOutput('listItems', { total: 2000, items: Array.from({ length: 1001 }, () => bogus) }));
    assert.doesNotThrow(() => checkOutput('custodyForm', 'the form'));
  });

  test('the packaged app (checkOutputs: false) passes answers through unparsed', async () => {
    const ipc = new FakeIpc();
    registerIpc(ipc, drifted, { policy: {}, checkOutputs: false });
    const r = (await ipc.invoke(channelFor('caseInfo'), { casePath: '/c' })) as { ok: boolean; value?: { title?: string } };
    assert.equal(r.ok, true);
    assert.equal(r.value!.title, 'renamed');
  });
});
