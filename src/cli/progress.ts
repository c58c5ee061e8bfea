// Ingest and verify progress on the terminal: a redrawn bar on a TTY, plain lines otherwise
// (logs, CI), never more than one line every few seconds.
import type { IngestProgress } from '../shared/contract.ts';
import { formatBytes, formatDuration } from './format.ts';

export interface ProgressView {
  update(p: IngestProgress): void;
  done(): void;
}

function eta(p: IngestProgress): string {
  return p.etaSeconds === null ? '--' : formatDuration(p.etaSeconds * 1000);
}

type Stage = NonNullable<IngestProgress['stage']>;
const STAGES: Stage[] = ['catalogue', 'text', 'index'];
const count = (n: number): string => n.toLocaleString('en');

/**
 * The stage and what follows it, in words: "catalogue 1,234/20,000 files · then text, then index".
 * From the text stage on, the catalogue is complete: it says so, since the officer can browse and
 * sort it (evidence ls, the app) while search is still being built.
 */
export function stageLine(p: IngestProgress, opts: { text?: boolean } = {}): string {
  const stage: Stage = p.stage ?? 'catalogue';
  const done = p.stageDone ?? (stage === 'catalogue' ? p.filesDone : 0);
  const total = p.stageTotal ?? (stage === 'catalogue' ? p.filesTotal : 0);
  const unit = stage === 'catalogue' ? 'files' : 'items';
  const later = opts.text === false ? [] : STAGES.slice(STAGES.indexOf(stage) + 1);
  const then = later.length ? ` · then ${later.join(', then ')}` : '';
  const ready = stage === 'catalogue' ? '' : ' · the catalogue is ready to browse while search is built';
  return `${stage} ${count(done)}/${count(total)} ${unit}${then}${ready}`;
}

export function ingestProgressView(stream: NodeJS.WriteStream, opts: { text?: boolean } = {}): ProgressView {
  const tty = stream.isTTY === true;
  let lastPlain = 0;
  let drawn = false;
  let lastStage: Stage = 'catalogue';
  return {
    update(p) {
      if (p.phase === 'scanning') {
        if (tty) {
          stream.write(`\r\x1b[2Kscanning… ${p.filesTotal} files, ${formatBytes(p.bytesTotal)}`);
          drawn = true;
        }
        return;
      }
      const stage: Stage = p.stage ?? 'catalogue';
      const inCatalogue = stage === 'catalogue';
      const frac = inCatalogue
        ? p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.filesTotal > 0 ? p.filesDone / p.filesTotal : 1
        : (p.stageTotal ?? 0) > 0 ? (p.stageDone ?? 0) / p.stageTotal! : 1;
      const pct = `${(Math.min(1, frac) * 100).toFixed(1)}%`;
      const rate = inCatalogue ? `  ${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)}  ${formatBytes(p.bytesPerSecond)}/s  ETA ${eta(p)}` : '';
      const stats = `${stageLine(p, opts)}${rate}${p.errors ? `  ${p.errors} problems` : ''}`;
      // The moment the catalogue is complete is worth a line of its own, even on a terminal.
      const entered = stage !== lastStage && lastStage === 'catalogue';
      lastStage = stage;
      if (entered) {
        if (tty && drawn) stream.write('\r\x1b[2K');
        stream.write(`ingest: the catalogue is complete (${count(p.filesTotal)} files): browse and sort it now (evidence ls); search is still being built (${STAGES.slice(STAGES.indexOf(stage)).join(', then ')}).\n`);
      }
      if (tty) {
        const width = 24;
        const filled = Math.round(Math.min(1, frac) * width);
        const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
        const cols = stream.columns ?? 100;
        const line = `${bar} ${pct}  ${stats}`;
        stream.write(`\r\x1b[2K${line.slice(0, cols - 1)}`);
        drawn = true;
      } else {
        const now = Date.now();
        if (now - lastPlain >= 5000 || p.phase === 'finishing' || entered) {
          lastPlain = now;
          stream.write(`ingest: ${pct}  ${stats}\n`);
        }
      }
    },
    done() {
      if (tty && drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
