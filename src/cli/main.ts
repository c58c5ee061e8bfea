// Entry of the `evidence` command (bin/evidence.js imports this).
export { buildProgram, main } from './program.ts';
