// The full-text index's own rate: characters indexed per CPU-second by SQLite FTS5, as the case
// indexes them (trigram tokenizer, the text plus the two-character sentinel of
// src/core/text/store.ts, WAL, synchronous=FULL, one transaction per 500 texts), beside the
// alternatives issue 11 asks about: detail=column, detail=none, a contentless index (content=''),
// and, for scale only, the word tokenizer unicode61 (which cannot find 2-character Japanese
// terms, so it is not a candidate). The texts are the small tree's text-like files. CPU time is
// this process's (nothing else runs in it meanwhile), so the rate holds on a busy machine.
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface FtsVariant {
  name: string;
  ddl: string;
  chars: number;
  texts: number;
  cpuSeconds: number;
  wallSeconds: number;
  charsPerCpuSecond: number;
  /** Size of the database after indexing (table, index and what the WAL checkpointed), per character. */
  bytesPerChar: number;
}

export const FTS_VARIANTS: { name: string; ddl: string }[] = [
  { name: "trigram (the case's index today)", ddl: "CREATE VIRTUAL TABLE t USING fts5(text, tokenize='trigram')" },
  { name: 'trigram, detail=column', ddl: "CREATE VIRTUAL TABLE t USING fts5(text, tokenize='trigram', detail=column)" },
  { name: 'trigram, detail=none', ddl: "CREATE VIRTUAL TABLE t USING fts5(text, tokenize='trigram', detail=none)" },
  { name: "trigram, contentless (content='')", ddl: "CREATE VIRTUAL TABLE t USING fts5(text, tokenize='trigram', content='')" },
  { name: 'trigram, contentless, detail=none', ddl: "CREATE VIRTUAL TABLE t USING fts5(text, tokenize='trigram', content='', detail=none)" },
  { name: 'unicode61 words (scale only)', ddl: 'CREATE VIRTUAL TABLE t USING fts5(text)' },
];

/** Text-like files of a tree (no NUL in their first 512 bytes), up to `maxChars` characters in all. */
export function textsOf(dir: string, maxChars: number): string[] {
  const out: string[] = [];
  let chars = 0;
  const walk = (d: string): boolean => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        if (walk(p)) return true;
        continue;
      }
      const b = readFileSync(p);
      if (b.subarray(0, 512).includes(0)) continue;
      const s = b.toString('utf8');
      out.push(s);
      chars += s.length;
      if (chars >= maxChars) return true;
    }
    return false;
  };
  walk(dir);
  return out;
}

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export function ftsRates(scratch: string, texts: string[], variants = FTS_VARIANTS): FtsVariant[] {
  const results: FtsVariant[] = [];
  const chars = texts.reduce((a, t) => a + t.length, 0);
  for (const v of variants) {
    const dir = mkdtempSync(join(scratch, 'fts-'));
    try {
      const path = join(dir, 'fts.db');
      const db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec(v.ddl);
      const ins = db.prepare('INSERT INTO t (rowid, text) VALUES (?, ?)');
      const batch = db.transaction((from: number, to: number) => {
        for (let i = from; i < to; i++) ins.run(i + 1, texts[i]! + '\n\n');
      });
      const c0 = cpuNow();
      const t0 = performance.now();
      for (let i = 0; i < texts.length; i += 500) batch(i, Math.min(texts.length, i + 500));
      db.pragma('wal_checkpoint(TRUNCATE)');
      const cpu = cpuNow() - c0;
      const wall = (performance.now() - t0) / 1000;
      db.close();
      const size = statSync(path).size;
      results.push({ name: v.name, ddl: v.ddl, chars, texts: texts.length, cpuSeconds: cpu, wallSeconds: wall, charsPerCpuSecond: chars / cpu, bytesPerChar: size / chars });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return results;
}
