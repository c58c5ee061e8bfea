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

export function ingestProgressView(stream: NodeJS.WriteStream): ProgressView {
  const tty = stream.isTTY === true;
  let lastPlain = 0;
  let drawn = false;
  return {
    update(p) {
      if (p.phase === 'scanning') {
        if (tty) {
          stream.write(`\r\x1b[2Kscanning… ${p.filesTotal} files, ${formatBytes(p.bytesTotal)}`);
          drawn = true;
        }
        return;
      }
      const frac = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.filesTotal > 0 ? p.filesDone / p.filesTotal : 1;
      const pct = `${(Math.min(1, frac) * 100).toFixed(1)}%`;
      const stats = `${p.filesDone}/${p.filesTotal} files  ${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)}  ${formatBytes(p.bytesPerSecond)}/s  ETA ${eta(p)}${p.errors ? `  ${p.errors} problems` : ''}`;
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
        if (now - lastPlain >= 5000 || p.phase === 'finishing') {
          lastPlain = now;
          stream.write(`ingest: ${pct}  ${stats}\n`);
        }
      }
    },
    done() {
      if (tty && drawn) stream.write('\r\x1b[2K');
    },
  };
}
