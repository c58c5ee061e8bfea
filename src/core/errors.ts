// Errors a user can act on. Each carries a stable code (for exit codes and the UI) and a message
// that says what went wrong and what to do.

export type ErrorCode =
  | 'USAGE'
  | 'NOT_FOUND'
  | 'CASE_EXISTS'
  | 'NOT_A_CASE'
  | 'CASE_LOCKED'
  | 'NETWORK_FS'
  | 'SOURCE_UNREADABLE'
  | 'SCHEMA_TOO_NEW'
  | 'CANCELLED'
  | 'AUTH_FAILED'
  | 'OFFICER_DISABLED'
  | 'OFFICER_LOCKED'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'INTERNAL';

export class EvidenceError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'EvidenceError';
    this.code = code;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
