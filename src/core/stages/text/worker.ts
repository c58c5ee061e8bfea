// The text stage's worker: reads an item's store copy (never the original export), extracts its
// text and runs the detectors and rules over it, and posts back the rows to write, one result per
// task in order (so a parser that hangs on a hostile file names its item). Never writes.
import { parentPort, workerData } from 'node:worker_threads';
import { detect } from '../../detect/detect.ts';
import { evaluateRules } from '../../detect/rules.ts';
import { errorMessage } from '../../errors.ts';
import { StoreReader } from '../../store/objects.ts';
import { extractItemText } from '../../text/extract.ts';
import { readFilePrefix } from '../../text/fromStore.ts';
import type { TextResult, TextSetup, TextTask } from './protocol.ts';

const setup = workerData as TextSetup;
const port = parentPort!;
const store = new StoreReader({ store: setup.storeDir, objectsDb: setup.objectsDb });
/** The first bytes handed to extraction for a file in the store (the same as at ingest). */
const HEAD_BYTES = 1024 * 1024;

async function textOf(task: TextTask): Promise<TextResult> {
  const out: TextResult = { id: task.id, missing: false, text: null, hits: [], detectError: null };
  let b;
  try {
    b = store.bytesOf(task.sha256);
  } catch (err) {
    out.text = { kind: 'text', text: '', encoding: null, truncated: false, error: `could not read its store copy: ${errorMessage(err)}` };
    return out;
  }
  if (!b) return { ...out, missing: true };
  const path = b.type === 'file' ? b.path : null;
  out.text =
    b.type === 'bytes'
      ? await extractItemText({ name: task.name, mime: task.mime, size: b.data.byteLength, head: b.data })
      : await extractItemText({
          name: task.name,
          mime: task.mime,
          size: b.size,
          head: readFilePrefix(path!, HEAD_BYTES),
          readPrefix: (max) => readFilePrefix(path!, max),
        });
  const text = out.text?.text;
  if (text && setup.packs) {
    try {
      // The best-scoring rule per tag: one suggestion per item and tag (as runDetectors does).
      const best = new Map<string, TextResult['hits'][number]>();
      for (const h of evaluateRules(setup.packs, detect(text), text)) {
        const prior = best.get(h.tag);
        if (!prior || prior.score < h.score) best.set(h.tag, { tag: h.tag, ruleId: h.ruleId, score: h.score, evidence: JSON.stringify(h.evidence) });
      }
      out.hits = [...best.values()];
    } catch (err) {
      out.detectError = errorMessage(err);
    }
  }
  return out;
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (batch: TextTask[]) => {
  queue = queue.then(async () => {
    for (const task of batch) port.postMessage(await textOf(task));
  });
});
