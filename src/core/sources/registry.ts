// Which reader opens which source. The top level of an ingest is a folder, an iPhone backup
// folder, or one file; containers (found at the top level or inside other containers) are
// opened by kind.
import { existsSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { ContainerBytes, ContainerContext, ContainerLimits, ContainerReader, SourceEntry } from './types.ts';

export type TopLevelKind = 'folder' | 'ios-backup' | 'file';

/** An iTunes/Finder backup folder: Manifest.db (iOS 10+) or Manifest.mbdb (older). */
export function isBackupFolder(path: string | Buffer): boolean {
  const p = Buffer.isBuffer(path) ? path.toString() : path;
  return existsSync(join(p, 'Manifest.db')) || existsSync(join(p, 'Manifest.mbdb'));
}

export function topLevelKindOf(path: string, st: Stats): TopLevelKind {
  if (!st.isDirectory()) return 'file';
  return isBackupFolder(path) ? 'ios-backup' : 'folder';
}

// Readers are loaded on first use: most ingests are plain folders and never need them, and the
// CLI starts faster without them.
export async function readerFor(kind: string, bytes: ContainerBytes, name: string): Promise<ContainerReader> {
  switch (kind) {
    case 'zip': {
      const ufdr = await import('./ufdr.ts');
      if (ufdr.isUfdrCandidate(bytes, name)) return ufdr.ufdrReader;
      return (await import('./zip.ts')).zipReader;
    }
    case 'ufdr':
      return (await import('./ufdr.ts')).ufdrReader;
    case 'tar':
      return (await import('./tar.ts')).tarReader;
    case 'tar.gz':
      return (await import('./tar.ts')).tarGzReader;
    case 'ab':
      return (await import('./androidBackup.ts')).androidBackupReader;
    default:
      throw new Error(`no reader for containers of kind "${kind}"`);
  }
}

export async function* iosBackupSource(root: string, ctx: { limits: ContainerLimits }): AsyncGenerator<SourceEntry> {
  yield* (await import('./iosBackup.ts')).iosBackupEntries(root, ctx);
}

export type { ContainerContext };
