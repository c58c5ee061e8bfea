// SQLite's WAL needs shared memory that network file systems do not provide, and a store on a
// share invites silent corruption: refuse them. Linux statfs magic numbers (linux/magic.h).
import { statfsSync } from 'node:fs';

const NETWORK_FS: Record<number, string> = {
  0x6969: 'NFS',
  0x517b: 'SMB',
  0xff534d42: 'CIFS',
  0xfe534d42: 'SMB2',
  0x564c: 'NCP',
  0x5346414f: 'AFS',
  0x00c36400: 'Ceph',
  0x73757245: 'Coda',
  0x01021997: '9P (virtual machine share)',
  0x47504653: 'GPFS',
  0x0bd00bd0: 'Lustre',
};

/** The name of the network file system `path` is on, or null for a local one. */
export function networkFileSystemOf(path: string): string | null {
  if (process.platform !== 'linux') return null;
  const { type } = statfsSync(path);
  return NETWORK_FS[type >>> 0] ?? null;
}
