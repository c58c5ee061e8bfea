// Which reader opens which source. The top level of an ingest is a folder, an iPhone backup
// folder, or one file; containers (found at the top level or inside other containers) are
// opened by kind.
import { existsSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { ContainerBytes, ContainerContext, ContainerLimits, ContainerReader, SourceEntry } from './types.ts';

export type TopLevelKind = 'folder' | 'ios-backup' | 'file';

export function topLevelKindOf(path: string, st: Stats): TopLevelKind {
  if (!st.isDirectory()) return 'file';
  return existsSync(join(path, 'Manifest.db')) || existsSync(join(path, 'Manifest.mbdb')) ? 'ios-backup' : 'folder';
}

// Readers are loaded on first use: most ingests are plain folders and never need them.
// (Module specifiers in variables keep this file compiling while readers are added.)
async function load<T>(spec: string): Promise<T> {
  return (await import(spec)) as T;
}

export async function readerFor(kind: string, bytes: ContainerBytes, name: string): Promise<ContainerReader> {
  switch (kind) {
    case 'zip': {
      const ufdr = await load<{ isUfdrCandidate?: (b: ContainerBytes, name: string) => Promise<boolean> | boolean; ufdrReader: ContainerReader }>(
        './ufdr.ts',
      ).catch(() => null);
      if (ufdr?.isUfdrCandidate && (await ufdr.isUfdrCandidate(bytes, name))) return ufdr.ufdrReader;
      return (await load<{ zipReader: ContainerReader }>('./zip.ts')).zipReader;
    }
    case 'ufdr':
      return (await load<{ ufdrReader: ContainerReader }>('./ufdr.ts')).ufdrReader;
    case 'tar':
      return (await load<{ tarReader: ContainerReader }>('./tar.ts')).tarReader;
    case 'tar.gz':
      return (await load<{ tarGzReader: ContainerReader }>('./tar.ts')).tarGzReader;
    case 'ab':
      return (await load<{ androidBackupReader: ContainerReader }>('./androidBackup.ts')).androidBackupReader;
    default:
      throw new Error(`no reader for containers of kind "${kind}"`);
  }
}

export async function* iosBackupSource(root: string, ctx: { limits: ContainerLimits }): AsyncGenerator<SourceEntry> {
  const mod = await load<{ iosBackupEntries: (root: string, ctx: { limits: ContainerLimits }) => AsyncIterable<SourceEntry> }>('./iosBackup.ts');
  yield* mod.iosBackupEntries(root, ctx);
}

export type { ContainerContext };
