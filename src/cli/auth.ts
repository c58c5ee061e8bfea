// Who is at the keyboard. The officer comes from --officer or $EVIDENCE_OFFICER; the password
// from --password-file, $EVIDENCE_PASSWORD (for scripts) or a hidden prompt on a terminal.
import { readFileSync } from 'node:fs';
import { EvidenceError } from '../core/index.ts';
import { visible } from '../shared/text.ts';

export interface Credentials {
  officer: string;
  password: string;
}

/** Reads a line from the terminal without echoing it. */
export async function promptHidden(question: string, hint = 'set EVIDENCE_PASSWORD or use --password-file'): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new EvidenceError('AUTH_FAILED', `No password given and no terminal to ask on: ${hint}.`);
  // The question names the officer, a name read from the case: shown visibly like every output.
  process.stderr.write(visible(question));
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let value = '';
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          done();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          done();
          reject(new EvidenceError('CANCELLED', 'Cancelled.'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const done = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}

export function passwordFromFile(path: string): string {
  try {
    // Only the first line: files written with `echo` end in a newline that is not part of it.
    return readFileSync(path, 'utf8').split(/\r?\n/)[0] ?? '';
  } catch (err) {
    throw new EvidenceError('USAGE', `Cannot read the password file ${path}: ${(err as Error).message}`);
  }
}

export interface AuthOptions {
  officer?: string;
  passwordFile?: string;
}

export function officerName(o: AuthOptions, what = 'officer'): string {
  const name = o.officer || process.env.EVIDENCE_OFFICER;
  if (!name) throw new EvidenceError('USAGE', `Say which ${what} you are: --officer "<name>" or EVIDENCE_OFFICER.`);
  return name;
}

export async function credentials(o: AuthOptions, env = 'EVIDENCE_PASSWORD', label?: string): Promise<Credentials> {
  const officer = officerName(o);
  const hint = env === 'EVIDENCE_TO_PASSWORD' ? `set ${env} or use --to-password-file` : `set ${env} or use --password-file`;
  const password = o.passwordFile ? passwordFromFile(o.passwordFile) : process.env[env] || (await promptHidden(`Password for ${label ?? officer}: `, hint));
  return { officer, password };
}

/** For a new account: twice on a terminal, once from a file or the environment. */
export async function newPassword(o: AuthOptions, env = 'EVIDENCE_PASSWORD', label = 'the new account'): Promise<string> {
  if (o.passwordFile) return passwordFromFile(o.passwordFile);
  if (process.env[env]) return process.env[env]!;
  const hint = env === 'EVIDENCE_NEW_PASSWORD' ? `set ${env} or use --new-password-file` : `set ${env} or use --password-file`;
  const a = await promptHidden(`Choose a password for ${label} (8+ characters): `, hint);
  const b = await promptHidden('Type it again: ');
  if (a !== b) throw new EvidenceError('USAGE', 'The two passwords differ. Nothing was created.');
  return a;
}
