// Exit codes of the `evidence` command (documented in the README).
import type { ErrorCode } from '../core/index.ts';

export const EXIT = {
  OK: 0,
  /** verify found changed or missing evidence, or a broken custody chain */
  VERIFY_FAILED: 1,
  /** bad arguments or input */
  USAGE: 2,
  /** the case, item or export does not exist or cannot be read */
  NOT_FOUND: 3,
  /** the case cannot be used: already exists, locked, on a network share, too new */
  CASE_REFUSED: 4,
  /** an unexpected internal error (a bug: please report it with the message) */
  INTERNAL: 5,
  /** sign-in failed (wrong password, unknown, disabled or locked officer) or the role may not do this */
  AUTH: 6,
  /** the case cannot be written (disk full, I/O error, read-only media): free space or fix it, then run the same command to resume */
  CASE_UNWRITABLE: 7,
  /** the case is damaged: case.db or store/objects.db is not a sound database */
  CASE_DAMAGED: 8,
  /** interrupted (Ctrl-C); run the same command again to resume */
  INTERRUPTED: 130,
} as const;

export function exitCodeFor(code: ErrorCode | string | undefined): number {
  switch (code) {
    case 'USAGE':
    case 'EXHIBIT_REQUIRED':
      return EXIT.USAGE;
    case 'NOT_FOUND':
    case 'NOT_A_CASE':
    case 'SOURCE_UNREADABLE':
    case 'EXHIBIT_UNKNOWN':
      return EXIT.NOT_FOUND;
    case 'AUTH_FAILED':
    case 'OFFICER_DISABLED':
    case 'OFFICER_LOCKED':
    case 'FORBIDDEN':
      return EXIT.AUTH;
    case 'CASE_EXISTS':
    case 'CONFLICT':
    case 'CASE_LOCKED':
    case 'NETWORK_FS':
    case 'SCHEMA_TOO_NEW':
      return EXIT.CASE_REFUSED;
    case 'ALREADY_INGESTED':
      return EXIT.CASE_REFUSED;
    case 'CASE_UNWRITABLE':
      return EXIT.CASE_UNWRITABLE;
    case 'CASE_DAMAGED':
    case 'STORE_ALTERED':
      return EXIT.CASE_DAMAGED;
    case 'CANCELLED':
      return EXIT.INTERRUPTED;
    default:
      return EXIT.INTERNAL;
  }
}
