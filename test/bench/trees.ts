// The benchmark's generated inputs: a LARGE tree (big random files), a SMALL tree (many small
// files, half random, half text-like, in ~100-file folders), prefix subsets of the small tree
// (hard links, for the memory-growth runs) and ZIPs of them. Everything is deterministic from
// the seed, cached under os.tmpdir() next to a manifest, and rebuilt when the manifest differs.
import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ByteStream, type Rng, intBetween, mulberry32, rngFor } from './prng.ts';

/** Bump when the generator's output changes, so cached trees are rebuilt. */
const GENERATOR_VERSION = 1;
const MiB = 1024 * 1024;

export interface LargeSpec {
  kind: 'large';
  seed: number;
  files: number;
  fileSize: number;
}

export interface SmallSpec {
  kind: 'small';
  seed: number;
  files: number;
  minSize: number;
  maxSize: number;
  filesPerFolder: number;
  foldersPerTop: number;
}

export type TreeSpec = LargeSpec | SmallSpec;

export interface Tree {
  name: string;
  dir: string;
  files: number;
  bytes: number;
  /** Identifies the content: trees (and zips of them) with equal keys are byte-identical. */
  key: string;
  reused: boolean;
}

interface Manifest {
  generatorVersion: number;
  spec: unknown;
  files: number;
  bytes: number;
}

export function treeName(spec: TreeSpec): string {
  return spec.kind === 'large' ? `large-${spec.files}x${spec.fileSize / MiB}MiB` : `small-${spec.files}`;
}

function readManifest(path: string): Manifest | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

/** Counts regular files and their bytes under dir (a cheap check that a cached tree is whole). */
export function countTree(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        files++;
        bytes += statSync(p).size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

/** Reuses dir if its manifest equals `spec` and the tree on disk still matches it; else builds it. */
function cached(base: string, name: string, spec: unknown, build: (dir: string) => void, log: (s: string) => void): Tree {
  const dir = join(base, name);
  const manifestPath = join(base, `${name}.manifest.json`);
  const key = JSON.stringify({ generatorVersion: GENERATOR_VERSION, spec });
  const m = readManifest(manifestPath);
  if (m && JSON.stringify({ generatorVersion: m.generatorVersion, spec: m.spec }) === key && existsSync(dir)) {
    const c = countTree(dir);
    if (c.files === m.files && c.bytes === m.bytes) return { name, dir, files: m.files, bytes: m.bytes, key, reused: true };
    log(`  ${name}: cached tree does not match its manifest (${c.files} files, ${c.bytes} bytes); rebuilding`);
  }
  rmSync(manifestPath, { force: true });
  rmSync(dir, { recursive: true, force: true });
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const t0 = Date.now();
  build(partial);
  renameSync(partial, dir);
  const c = countTree(dir);
  const manifest: Manifest = { generatorVersion: GENERATOR_VERSION, spec, files: c.files, bytes: c.bytes };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  log(`  ${name}: generated ${c.files} files, ${(c.bytes / MiB).toFixed(1)} MiB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { name, dir, files: c.files, bytes: c.bytes, key, reused: false };
}

// ---------------------------------------------------------------------------------------------
// The large tree: N files of random bytes.

function buildLarge(dir: string, spec: LargeSpec): void {
  const width = String(spec.files - 1).length;
  for (let i = 0; i < spec.files; i++) {
    const bytes = new ByteStream(spec.seed, `large:${i}`);
    const fd = openSync(join(dir, `file-${String(i).padStart(width, '0')}.bin`), 'w');
    try {
      for (let left = spec.fileSize; left > 0; ) {
        const n = Math.min(4 * MiB, left);
        const b = bytes.next(n);
        for (let w = 0; w < n; ) w += writeSync(fd, b, w, n - w);
        left -= n;
      }
    } finally {
      closeSync(fd);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The small tree: half random bytes (stand-ins for photos, media, compressed blobs), half
// text-like (logs, CSV, JSON lines, prose from a skewed vocabulary), so deflate behaves as on
// a real export (text ~3-4x, random not at all).

interface SmallFile {
  rel: string;
  size: number;
  text: 'log' | 'csv' | 'json' | 'txt' | null;
}

function smallFile(spec: SmallSpec, i: number): SmallFile {
  const rng = rngFor(spec.seed, `small:${i}`);
  const size = intBetween(rng, spec.minSize, spec.maxSize);
  const r = rng();
  const text = r < 0.5 ? null : r < 0.625 ? 'log' : r < 0.75 ? 'csv' : r < 0.875 ? 'json' : 'txt';
  const ext = text ?? (rng() < 0.5 ? 'bin' : 'dat');
  const folder = Math.floor(i / spec.filesPerFolder);
  const top = Math.floor(folder / spec.foldersPerTop);
  const sub = folder % spec.foldersPerTop;
  const rel = join(`dir-${String(top).padStart(3, '0')}`, `sub-${String(sub).padStart(2, '0')}`, `file-${String(i).padStart(6, '0')}.${ext}`);
  return { rel, size, text };
}

function makeVocabulary(seed: number): string[] {
  const rng = mulberry32(seed ^ 0x5eed);
  const syl = ['ka', 'to', 'ri', 'sa', 'mo', 'ne', 'lu', 'pha', 'ser', 'vin', 'tor', 'al', 'en', 'ing', 'ou', 'dra', 'ki', 'ta', 'ro', 'mi', 'chan', 'sok', 'da', 'ra', 'pe', 'li', 'st', 'ex', 'on', 'ar'];
  const words = new Set<string>();
  while (words.size < 4000) {
    let w = '';
    const n = intBetween(rng, 1, 4);
    for (let k = 0; k < n; k++) w += syl[Math.floor(rng() * syl.length)];
    words.add(w);
  }
  return [...words];
}

function word(rng: Rng, vocab: string[]): string {
  // Skewed towards the first words, like natural language (a few words are most of the text).
  return vocab[Math.floor(vocab.length * rng() ** 3)]!;
}

function words(rng: Rng, vocab: string[], n: number): string {
  const out: string[] = [];
  for (let k = 0; k < n; k++) out.push(word(rng, vocab));
  return out.join(' ');
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

function textContent(kind: 'log' | 'csv' | 'json' | 'txt', size: number, rng: Rng, vocab: string[]): Buffer {
  const parts: string[] = [];
  let len = 0;
  let line = 0;
  const levels = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
  if (kind === 'csv') {
    const h = 'id,name,city,amount,ratio,when\n';
    parts.push(h);
    len += h.length;
  }
  while (len < size) {
    let s: string;
    line++;
    const t = `2025-${two(intBetween(rng, 1, 12))}-${two(intBetween(rng, 1, 28))}T${two(intBetween(rng, 0, 23))}:${two(intBetween(rng, 0, 59))}:${two(intBetween(rng, 0, 59))}Z`;
    if (kind === 'log') {
      s = `${t} ${levels[Math.floor(rng() * levels.length)]} [${word(rng, vocab)}] ${words(rng, vocab, intBetween(rng, 3, 12))} id=${Math.floor(rng() * 0xffffffff).toString(16)}\n`;
    } else if (kind === 'csv') {
      s = `${line},${word(rng, vocab)} ${word(rng, vocab)},${word(rng, vocab)},${intBetween(rng, 0, 99999)},${rng().toFixed(4)},${t}\n`;
    } else if (kind === 'json') {
      s = `{"id":${line},"from":"${word(rng, vocab)}","text":"${words(rng, vocab, intBetween(rng, 2, 14))}","at":"${t}","read":${rng() < 0.5}}\n`;
    } else {
      const sentence = words(rng, vocab, intBetween(rng, 4, 18));
      s = `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}${rng() < 0.15 ? '.\n\n' : '. '}`;
    }
    parts.push(s);
    len += s.length;
  }
  return Buffer.from(parts.join('').slice(0, size), 'latin1');
}

function buildSmall(dir: string, spec: SmallSpec): void {
  const vocab = makeVocabulary(spec.seed);
  const made = new Set<string>();
  for (let i = 0; i < spec.files; i++) {
    const f = smallFile(spec, i);
    const folder = join(dir, f.rel, '..');
    if (!made.has(folder)) {
      mkdirSync(folder, { recursive: true });
      made.add(folder);
    }
    const data = f.text ? textContent(f.text, f.size, rngFor(spec.seed, `text:${i}`), vocab) : new ByteStream(spec.seed, `small:${i}`).next(f.size);
    writeFileSync(join(dir, f.rel), data);
  }
}

export function ensureTree(base: string, spec: TreeSpec, log: (s: string) => void): Tree {
  const name = treeName(spec);
  return cached(base, name, spec, (dir) => (spec.kind === 'large' ? buildLarge(dir, spec) : buildSmall(dir, spec)), log);
}

/**
 * The first `count` files of a small tree (same paths, same bytes), as hard links into the full
 * tree (copies where the file system has no hard links).
 */
export function ensureSubset(base: string, spec: SmallSpec, full: Tree, count: number, log: (s: string) => void): Tree {
  if (count >= spec.files) return full;
  const name = `${full.name}-first-${count}`;
  return cached(
    base,
    name,
    { subsetOf: full.key, count },
    (dir) => {
      const made = new Set<string>();
      for (let i = 0; i < count; i++) {
        const f = smallFile(spec, i);
        const folder = join(dir, f.rel, '..');
        if (!made.has(folder)) {
          mkdirSync(folder, { recursive: true });
          made.add(folder);
        }
        try {
          linkSync(join(full.dir, f.rel), join(dir, f.rel));
        } catch {
          copyFileSync(join(full.dir, f.rel), join(dir, f.rel));
        }
      }
    },
    log,
  );
}

// ---------------------------------------------------------------------------------------------
// ZIPs of the trees, made with Info-ZIP's `zip` (members named relative to the tree's root).

export interface ZipFile {
  name: string;
  path: string;
  bytes: number;
  members: number;
  reused: boolean;
}

export function ensureZip(base: string, tree: Tree, mode: 'stored' | 'deflated', log: (s: string) => void): ZipFile {
  const zipDir = join(base, 'zips');
  mkdirSync(zipDir, { recursive: true });
  const name = `${tree.name}-${mode}`;
  const path = join(zipDir, `${name}.zip`);
  const manifestPath = join(zipDir, `${name}.manifest.json`);
  const key = JSON.stringify({ tree: tree.key, mode });
  const m = readManifest(manifestPath) as { key?: string; bytes?: number } | null;
  if (m?.key === key && existsSync(path) && statSync(path).size === m.bytes) {
    return { name, path, bytes: m.bytes, members: tree.files, reused: true };
  }
  rmSync(manifestPath, { force: true });
  rmSync(path, { force: true });
  const partial = join(zipDir, `${name}.partial.zip`);
  rmSync(partial, { force: true });
  const t0 = Date.now();
  // -X: no extra attributes (uid/gid, extended timestamps), -D: no directory entries, so the
  // members are exactly the tree's files.
  execFileSync('zip', ['-q', '-r', '-X', '-D', mode === 'stored' ? '-0' : '-6', partial, '.'], { cwd: tree.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  renameSync(partial, path);
  const bytes = statSync(path).size;
  writeFileSync(manifestPath, JSON.stringify({ key, bytes }, null, 2) + '\n');
  log(`  ${name}.zip: built ${(bytes / MiB).toFixed(1)} MiB (${((bytes / tree.bytes) * 100).toFixed(0)}% of the tree) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { name, path, bytes, members: tree.files, reused: false };
}
