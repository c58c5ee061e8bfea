// Recent cases of the browser host, remembered as JSON in its data folder (--data). Only paths,
// names and numbers: nothing about the evidence.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RecentCase {
  path: string;
  name: string;
  number: string;
  openedAt?: string;
}

const MAX = 12;

export class RecentCases {
  private readonly file: string;
  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.file = join(dataDir, 'recent-cases.json');
  }

  list(): RecentCase[] {
    try {
      const v = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      return Array.isArray(v) ? (v as RecentCase[]).filter((r) => r && typeof r.path === 'string') : [];
    } catch {
      return [];
    }
  }

  remember(c: RecentCase): void {
    const list = [{ ...c, openedAt: new Date().toISOString() }, ...this.list().filter((r) => r.path !== c.path)].slice(0, MAX);
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(list, null, 2));
    renameSync(tmp, this.file);
  }
}
