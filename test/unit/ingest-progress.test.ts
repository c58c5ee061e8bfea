// The rate and ETA an officer reads on the progress bar (CLI and app): taken from the reading only,
// and no ETA until the reading has gone on long enough to say something about the rest.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IngestReport } from '../../src/core/ingest/progress.ts';

test('rate and ETA: the counting scan does not count as slow reading; no ETA from the first second', (t) => {
  let now = 1_000_000;
  t.mock.method(Date, 'now', () => now);
  const seen: { bytesPerSecond: number; etaSeconds: number | null }[] = [];
  const report = new IngestReport({ sourcePath: '/media/usb/export', exhibit: 'EXH-1' }, (p) => seen.push(p));
  const p = report.progress;
  p.bytesTotal = 100 * 1024 * 1024;
  p.filesTotal = 100;
  report.emit(true); // scanning
  now += 1000; // a second of counting, nothing read
  p.phase = 'ingesting';
  p.bytesDone = 33;
  p.filesDone = 1;
  report.emit(true);
  now += 300;
  p.bytesDone = 300 * 1024;
  report.emit(true);
  assert.equal(seen.at(-1)!.etaSeconds, null, 'no ETA after 0.3 s of reading');
  assert.ok(seen.at(-1)!.bytesPerSecond > 900 * 1024, `the rate is of the reading (${seen.at(-1)!.bytesPerSecond} B/s), not of scan + reading`);
  // Then 10 MiB/s for two seconds: the ETA is what is left at the window's rate (8.6 MiB/s over
  // the 2.3 s of reading, the slower first 0.3 s included): 9 to 10 s, not the minutes the
  // scan's second would have made it.
  for (let k = 1; k <= 10; k++) {
    now += 200;
    p.bytesDone = 300 * 1024 + k * 2 * 1024 * 1024;
    report.emit(true);
  }
  const last = seen.at(-1)!;
  const left = p.bytesTotal - p.bytesDone;
  assert.ok(last.etaSeconds !== null, 'an ETA once the reading has gone on for a second');
  const windowRate = (p.bytesDone - 33) / 2.3;
  assert.equal(last.etaSeconds, Math.ceil(left / windowRate), `ETA ${last.etaSeconds} s for ${left} bytes`);
  assert.ok(last.etaSeconds >= 8 && last.etaSeconds <= 10);
});
