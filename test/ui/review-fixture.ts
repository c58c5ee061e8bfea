// The scam-phone export the review-screen tests share (issue 14 items 1-3), made of the engine
// tests' generated fixtures: a Shift_JIS target list and a call list (target-list suggestions),
// the scam manual as text and as DOCX (scam-manual), a handler's wallet chat (crypto-wallet), a
// notice whose text holds 未払い, a file named after it, a note whose text looks like HTML (it
// must show as text), photos' names, and noise. Plus the steps that make a case of it in the UI.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { encodeLegacy } from '../fixtures/encode.ts';
import { noise, scamManualJa, targetList, walletChat } from '../fixtures/detect.ts';
import { JA_NOTICE, scamManualDocx } from '../fixtures/texts.ts';
import { addExhibitInUi, createCaseInUi, startIngestInUi, waitIngestDone } from './harness.ts';

/** The HTML-looking line in Notes/html-lookalike.txt: shown as text, never run. */
export const HTML_LOOKALIKE = '<img src=x onerror="document.title=\'pwned\'"><b>未払い</b> 請求書';

export function buildScamExport(root: string): void {
  for (const d of ['Documents', 'Notes', 'DCIM/100APPLE', 'noise']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'Documents', 'リスト_3月.csv'), encodeLegacy(targetList(150).csv, 'shift_jis'));
  writeFileSync(join(root, 'Documents', 'calls.txt'), targetList(120, 21).text);
  writeFileSync(join(root, 'Documents', 'マニュアル.txt'), scamManualJa());
  writeFileSync(join(root, 'Documents', 'manual.docx'), scamManualDocx());
  writeFileSync(join(root, 'Documents', 'chat.txt'), walletChat().text);
  writeFileSync(join(root, 'Notes', 'notice.txt'), JA_NOTICE);
  writeFileSync(join(root, 'Notes', '未払い一覧.txt'), 'names only');
  writeFileSync(join(root, 'Notes', 'html-lookalike.txt'), HTML_LOOKALIKE);
  for (let k = 1; k <= 4; k++) writeFileSync(join(root, 'DCIM', '100APPLE', `IMG_00${40 + k}.bin`), `photo bytes ${k}`);
  for (const [name, data] of Object.entries(noise())) writeFileSync(join(root, 'noise', name), data);
}

/** Creates the case in the UI, records EXH-001 and ingests the export (the summary shown). */
export async function caseWithExport(page: Page, casePath: string, exportDir: string): Promise<void> {
  await createCaseInUi(page, casePath);
  await addExhibitInUi(page, 'EXH-001', 'Phone seized at the call centre');
  await startIngestInUi(page, exportDir, 'EXH-001');
  await waitIngestDone(page);
}
