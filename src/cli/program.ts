// The `evidence` command: a thin adapter from arguments to the service, and from results to
// text or JSON. It decides nothing about evidence itself.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  caseWriteCode,
  caseWriteRemedy,
  damagedCase,
  defaultReceiptsDir,
  describeCaseWriteCode,
  EvidenceError,
  EvidenceService,
  errorMessage,
  looksLikeBundle,
} from '../core/index.ts';
import { InputError } from '../shared/contract.ts';
import { registerBundle } from './commands/bundle.ts';
import { registerCase } from './commands/case.ts';
import { registerCatalogue } from './commands/catalogue.ts';
import { registerCustody } from './commands/custody.ts';
import { registerHashsets } from './commands/hashsets.ts';
import { registerSuggest } from './commands/suggest.ts';
import { registerIngest } from './commands/ingest.ts';
import { registerExhibits, registerOfficers } from './commands/people.ts';
import { registerSearch } from './commands/search.ts';
import { registerText } from './commands/text.ts';
import { registerTags } from './commands/tags.ts';
import { type Io, makeCtx } from './context.ts';
import { EXIT, exitCodeFor } from './exitCodes.ts';
import { visible } from './format.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(service: EvidenceService, io: Io, setExit: (n: number) => void): Command {
  const program = new Command('evidence')
    .description('Offline evidence catalogue: hash, type and catalogue device exports, with a signed, tamper-evident custody log.')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride()
    .addHelpText(
      'after',
      `
Signing in: commands that act on evidence sign you in and out (with a signed checkpoint).
The officer is --officer or $EVIDENCE_OFFICER; the password --password-file, $EVIDENCE_PASSWORD,
or a prompt on a terminal.

Exit codes: 0 ok, 1 verification failed, 2 bad usage, 3 not found, 4 case refused (exists,
locked, network share, conflict), 5 internal error, 6 sign-in or permission refused,
7 the case's disk is full or cannot be written (free space, run the same command again),
8 the case is damaged (restore it from a backup),
130 interrupted (run the same command again to resume).`,
    );
  const ctx = makeCtx(service, io, setExit);
  registerCase(program, ctx);
  registerOfficers(program, ctx);
  registerExhibits(program, ctx);
  registerIngest(program, ctx);
  registerCatalogue(program, ctx);
  registerCustody(program, ctx);
  registerTags(program, ctx);
  registerSearch(program, ctx);
  registerText(program, ctx);
  registerSuggest(program, ctx);
  registerHashsets(program, ctx);
  registerBundle(program, ctx);
  // The engine takes case folders as absolute paths only (core/casePath.ts); on the command line
  // a relative one means the shell's current folder, so it is resolved here, explicitly.
  program.hook('preAction', (_program, action) => {
    const first = action.registeredArguments[0]?.name();
    const isCaseFolder = first === 'case' || (first === 'folder' && action.parent?.name() === 'case' && action.name() === 'init');
    if (isCaseFolder && typeof action.processedArgs[0] === 'string') action.processedArgs[0] = resolve(action.processedArgs[0]);
  });
  // A bundle given where a case goes (evidence ls <bundle>, show, search...): opened for review
  // first, its verification told before anything else; what a review cannot do is refused.
  program.hook('preAction', async (_program, action) => {
    const first = action.args[0];
    // `case init` makes a case: a path that is a file is refused there as such, not opened as a bundle.
    const creates = action.parent?.name() === 'case' && action.name() === 'init';
    if (creates || action.parent?.name() === 'bundle' || typeof first !== 'string' || !looksLikeBundle(first)) return;
    await ctx.review(first);
  });
  // Every sub-command shares the parent's error handling and output.
  for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  return program;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], io: Io = { out: (s) => console.log(s), err: (s) => console.error(s) }): Promise<number> {
  const kdf = Number(process.env.EVIDENCE_SCRYPT_N);
  // Receipts of every checkpoint also go to the user's app-data folder (custody/receipts.ts).
  const service = new EvidenceService({ ...(Number.isInteger(kdf) && kdf >= 2 ** 14 ? { scryptN: kdf } : {}), receiptsDir: defaultReceiptsDir(), appVersion: pkg.version });
  let code: number = EXIT.OK;
  const program = buildProgram(service, io, (n) => {
    code = n;
  });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit with 0; everything else commander rejects is a usage error.
      code = err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    } else if (err instanceof EvidenceError || err instanceof InputError) {
      // Messages name paths, officers and exhibits: shown visibly, like every other output.
      io.err(`evidence: ${visible(err.message)}`);
      code = err instanceof InputError ? EXIT.USAGE : exitCodeFor(err.code);
    } else if (damagedCase(err)) {
      // A damaged page met after the checks at opening passed: the case, not a bug.
      io.err(`evidence: ${visible(damagedCase(err)!.message)}`);
      code = EXIT.CASE_DAMAGED;
    } else if (caseWriteCode(err)) {
      // A write the case's disk refused (full, read-only, I/O error) outside the places that
      // explain it themselves (e.g. signing in or out): still the disk's fault, not a bug.
      const what = caseWriteCode(err)!;
      io.err(`evidence: ${describeCaseWriteCode(what)} (${visible(errorMessage(err))}); ${caseWriteRemedy(what, 'the case')} and run the same command again.`);
      code = EXIT.CASE_UNWRITABLE;
    } else {
      io.err(`evidence: unexpected error: ${visible(errorMessage(err))}`);
      if (process.env.EVIDENCE_DEBUG) io.err(String((err as Error).stack));
      code = EXIT.INTERNAL;
    }
  } finally {
    service.close();
  }
  return code;
}
