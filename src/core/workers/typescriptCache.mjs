// Loading our TypeScript without stripping it again at every start. Run from source (the CLI,
// the tests), Node strips the types of every .ts module in every thread that loads it, with a
// WebAssembly compiler (amaro) that each thread must instantiate first: measured, 0.5-1 CPU-s per
// thread, i.e. most of an ingest's fixed cost (main thread plus one per hashing worker).
//
// This module hooks the loader (node:module registerHooks) so a .ts file's stripped JavaScript is
// taken from a cache keyed by the SHA-256 of its source text and the Node version, and stripped
// (then written) only when that text is new; V8's compile cache is turned on beside it. The
// stripped code is what Node itself would run: types replaced by blanks, nothing else changed,
// positions kept (stack traces point at the .ts lines). Any failure (no writable cache, an odd
// file) falls back to Node's own loading. Plain JavaScript on purpose: loading it needs no stripping.
//
// Loaded first by bin/evidence.js, and by every worker the pool starts from a .ts file
// (workers/pool.ts passes it with --import). Bundled builds (Electron) never load it.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

const cacheRoot = fileURLToPath(new URL('../../../node_modules/.cache/evidence-ts/', import.meta.url));
const stripDir = `${cacheRoot}strip-${process.version}/`;
// EVIDENCE_TS_CACHE=off: Node's own loading, to measure what the cache saves (test/bench).
let usable = process.env.EVIDENCE_TS_CACHE !== 'off';
if (usable) try {
  mkdirSync(stripDir, { recursive: true });
  module.enableCompileCache?.(`${cacheRoot}v8`);
} catch {
  usable = false;
}

function strippedSource(url) {
  const file = fileURLToPath(url);
  const source = readFileSync(file, 'utf8');
  const key = createHash('sha256').update(source).digest('hex');
  const cached = `${stripDir}${key}.js`;
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    /* not cached yet */
  }
  const js = module.stripTypeScriptTypes(source, { mode: 'strip', sourceUrl: url });
  try {
    // Written whole under a temporary name first: a reader never sees half a file.
    const tmp = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(tmp, js);
    renameSync(tmp, cached);
  } catch {
    /* a read-only cache: still correct, only slower next time */
  }
  return js;
}

if (usable && typeof module.registerHooks === 'function' && typeof module.stripTypeScriptTypes === 'function') {
  module.registerHooks({
    load(url, context, nextLoad) {
      if (url.startsWith('file:') && url.endsWith('.ts') && !url.includes('/node_modules/')) {
        try {
          return { format: 'module', source: strippedSource(url), shortCircuit: true };
        } catch {
          /* Node's own loader reports whatever is wrong with the file */
        }
      }
      return nextLoad(url, context);
    },
  });
}
