// What every command gets: the service, output, the exit code, and sign-in around work that
// is recorded in the custody log (each CLI run is one session, closed by a signed checkpoint).
import type { Command } from 'commander';
import type { OpenedBundle, ReceiptWrite } from '../shared/contract.ts';
import { resolve } from 'node:path';
import { EvidenceError, type EvidenceService, looksLikeBundle } from '../core/index.ts';
import { EXIT } from './exitCodes.ts';
import { type AuthOptions, credentials } from './auth.ts';
import { visible } from './format.ts';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

export interface Ctx {
  service: EvidenceService;
  io: Io;
  setExit(code: number): void;
  /** Signs in, runs `work` with the session token, and signs out (checkpoint) even on failure. */
  withSession<T>(casePath: string, auth: AuthOptions, work: (session: string) => Promise<T> | T): Promise<T>;
  /**
   * A bundle given where a case goes: opened for review (read-only) once per run, its
   * verification told first on stderr (exit 1 when it is not intact); returns the review session.
   */
  review(bundlePath: string): Promise<string>;
}

export function withAuthOptions(cmd: Command): Command {
  return cmd
    .option('--officer <name>', 'officer signing in (default: $EVIDENCE_OFFICER, else the officer who created the case)')
    .option('--password-file <file>', "file whose first line is the officer's password (default: $EVIDENCE_PASSWORD, else a prompt)");
}

/**
 * The receipt code of a sign-out, where people keep paper (stderr, so --json output stays
 * JSON), and any folder the receipt could not reach: the custody log itself is intact.
 */
export function printReceipt(cp: { seq: number; officer: string; receipt: ReceiptWrite }, io: Io): void {
  io.err(visible(`Receipt ${cp.receipt.code} (custody event ${cp.seq}, signed by ${cp.officer}): note it with your records; evidence custody verify --code checks a case against it.`));
  for (const f of cp.receipt.failed) {
    io.err(
      visible(
        `evidence: warning: the receipt could not be written to ${f.file} (${f.error}). The custody log is intact; connect or fix that folder and the next sign-out writes there again.`,
      ),
    );
  }
}

/** The verification of a bundle opened for review, in plain lines: the verdict first. */
export function verdictLines(o: OpenedBundle): string[] {
  const lines = [`Bundle ${o.verification.path} opened for review (read-only): ${o.verdict}`];
  if (!o.intact) for (const f of o.verification.findings) lines.push(`  NOT INTACT  ${f.message}`);
  return lines;
}

export function makeCtx(service: EvidenceService, io: Io, setExit: (n: number) => void): Ctx {
  const reviews = new Map<string, string>();
  return {
    service,
    io,
    setExit,
    async review(bundlePath: string): Promise<string> {
      const known = reviews.get(resolve(bundlePath));
      if (known) return known;
      const o = await service.openBundle({ path: bundlePath });
      io.err(visible(verdictLines(o).join('\n')));
      if (!o.intact) setExit(EXIT.VERIFY_FAILED);
      if (!o.session) throw new EvidenceError('CASE_DAMAGED', `${o.problem ?? 'The bundle cannot be browsed.'} Ask the sender for a new copy.`);
      reviews.set(resolve(bundlePath), o.session);
      return o.session;
    },
    async withSession<T>(casePath: string, auth: AuthOptions, work: (session: string) => Promise<T> | T): Promise<T> {
      // A bundle is read without signing in: its review session does what it may, and refuses the rest.
      if (looksLikeBundle(casePath)) return work(await this.review(casePath));
      // On a field laptop the officer is usually the one who opened the case.
      const officer = auth.officer || process.env.EVIDENCE_OFFICER || service.caseInfo({ casePath }).createdBy;
      const c = await credentials({ ...auth, officer });
      const { session } = service.signIn({ casePath, officer: c.officer, password: c.password, location: process.env.EVIDENCE_LOCATION ?? null });
      let result: T;
      try {
        result = await work(session);
      } catch (err) {
        // Sign out (with its checkpoint) all the same, but report what went wrong in the work.
        try {
          printReceipt(service.signOut({ session }), io);
        } catch {
          /* the work's error is the one to report */
        }
        throw err;
      }
      printReceipt(service.signOut({ session }), io);
      return result;
    },
  };
}
