// `node src/host/main.ts [--port N] [--data DIR] [--root DIR] [--renderer DIR]`: starts the
// browser host on 127.0.0.1 and prints its URL (with the token of this run). `npm run dev:web`
// builds the renderer first. Ctrl-C stops running jobs (an ingest can be resumed) and exits.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultReceiptsDir, EvidenceService } from '../core/index.ts';
import { startHost } from './server.ts';

const projectDir = resolve(import.meta.dirname, '../..');

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    data: { type: 'string', default: join(homedir(), '.evidence-catalogue', 'host') },
    root: { type: 'string', default: '/' },
    renderer: { type: 'string', default: join(projectDir, '.vite', 'renderer', 'main_window') },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write(`Usage: node src/host/main.ts [--port N] [--data DIR] [--root DIR] [--renderer DIR]
  --port      port on 127.0.0.1 (default: a free one)
  --data      where recent cases are remembered (default ~/.evidence-catalogue/host)
  --root      the folder picker lists folders under this one only (default /)
  --renderer  the built renderer (default .vite/renderer/main_window; npm run dev:web builds it)
`);
  process.exit(0);
}

const rendererRoot = resolve(values.renderer);
if (!existsSync(join(rendererRoot, 'index.html'))) {
  process.stderr.write(`No built renderer at ${rendererRoot}. Build it with: npm run build:renderer (or use npm run dev:web)\n`);
  process.exit(2);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be a port number, not ${values.port}\n`);
  process.exit(2);
}

const scryptN = Number(process.env.EVIDENCE_SCRYPT_N) || undefined;
// Receipts of every checkpoint go to the same app-data folder the CLI uses (custody/receipts.ts).
const service = new EvidenceService({ scryptN, receiptsDir: defaultReceiptsDir() });
const host = await startHost({
  service,
  rendererRoot,
  dataDir: resolve(values.data),
  browseRoot: resolve(values.root),
  port,
  onInternalError: (where, err) => console.error(`[host] ${where}:`, err),
  // EVIDENCE_HOST_TIMINGS=1: each contract call's time on stderr (npm run bench:ui reads them).
  onTiming: process.env.EVIDENCE_HOST_TIMINGS === '1' ? (method, ms, all) => process.stderr.write(`[timing] ${method} ${ms.toFixed(2)} ${all.toFixed(2)}\n`) : undefined,
});
process.stdout.write(`Evidence Catalogue (browser host) at ${host.url}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await host.close();
  await service.shutdown();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
