// ESLint flat config. Besides the usual checks it enforces the architecture's boundaries
// (DESIGN.md section 2) with folder-scoped no-restricted-imports:
//   src/shared   pure TypeScript: no Node, no DOM, no Electron, no React, no other layer
//   src/core     the engine: no Electron, no React, no front door (main, preload, renderer, cli, host)
//   src/renderer the UI: no Node, no Electron, no better-sqlite3, no engine code (types only)
//   src/preload  sandboxed: electron and the contract only, no Node, no engine
//   src/main, src/cli, src/host  the engine only through its public face, src/core/index.ts
// test/unit/boundaries.test.ts checks the same rules by reading the imports, without ESLint.
import js from '@eslint/js';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_'));

const noNode = {
  paths: nodeBuiltins.map((name) => ({ name, message: 'Node built-ins are not allowed in this layer.' })),
  patterns: [
    { group: ['node:*'], message: 'Node built-ins are not allowed in this layer.' },
    ...nodeBuiltins.map((name) => ({ group: [`${name}/*`], message: 'Node built-ins are not allowed in this layer.' })),
  ],
};
const group = (names, message, extra = {}) => ({ group: names, message, ...extra });
const electron = group(['electron', 'electron/*'], 'Electron belongs to src/main and src/preload only.');
const react = group(['react', 'react/*', 'react-dom', 'react-dom/*'], 'React belongs to src/renderer only.');
const sqlite = group(['better-sqlite3'], 'The database is the engine\'s (src/core) business.');
const frontDoors = (message) =>
  group(['**/main/**', '**/preload/**', '**/renderer/**', '**/cli/**', '**/host/**', '**/main', '**/cli'], message);

const nodeGlobals = {
  process: 'readonly',
  console: 'readonly',
  Buffer: 'readonly',
  URL: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  setInterval: 'readonly',
  clearInterval: 'readonly',
  setImmediate: 'readonly',
  structuredClone: 'readonly',
  AbortController: 'readonly',
  TextEncoder: 'readonly',
  TextDecoder: 'readonly',
};

export default tseslint.config(
  {
    ignores: ['node_modules/', '.vite/', 'out/', 'dist/', 'coverage/', 'test-results/', 'playwright-report/', 'cases/', '.bench/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: nodeGlobals, sourceType: 'module', ecmaVersion: 'latest' },
  },
  {
    rules: {
      // `_`-prefixed names are deliberately unused (callback parameters, destructuring). Other
      // unused names are reported as warnings: work in progress should not fail the lint.
      '@typescript-eslint/no-unused-vars': [
        'warn',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // Worker messages and SQLite rows are typed at the boundary with casts; `!` after a
      // checked index is idiomatic with noUncheckedIndexedAccess.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // `for (;;)` loops with explicit breaks are used on purpose (reading files in chunks).
      'no-constant-condition': ['error', { checkLoops: false }],
      // Defensive initialisation before a try is a readable habit here; tsc's definite-assignment
      // analysis already catches reads of unassigned variables.
      'no-useless-assignment': 'off',
      // `cond ? a() : b()` and `x && f()` as statements are fine.
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      // Empty catch blocks with a comment are how best-effort cleanup is written here.
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    // Fixture generators write binary formats: control characters in their regexes are the point.
    files: ['test/**'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    files: ['src/shared/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: noNode.paths,
          patterns: [
            ...noNode.patterns,
            electron,
            react,
            sqlite,
            group(['**/core/**', '**/core'], 'src/shared is below the engine: it imports nothing of it.'),
            frontDoors('src/shared imports no front door.'),
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'process', 'Buffer', 'require'].map((name) => ({
          name,
          message: 'src/shared is pure TypeScript: no DOM and no Node globals.',
        })),
      ],
    },
  },
  {
    files: ['src/core/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [electron, react, frontDoors('The engine knows nothing of its front doors (main, preload, renderer, cli, host).')] },
      ],
      'no-restricted-globals': [
        'error',
        ...['window', 'document'].map((name) => ({ name, message: 'The engine runs in Node: no DOM.' })),
      ],
    },
  },
  {
    files: ['src/renderer/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: noNode.paths,
          patterns: [
            ...noNode.patterns,
            electron,
            sqlite,
            group(['**/core/**', '**/main/**', '**/cli/**', '**/host/**'], 'The renderer talks to the engine only through window.evidence.', {
              allowTypeImports: true,
            }),
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['process', 'require', 'Buffer', '__dirname', '__filename'].map((name) => ({
          name,
          message: 'The renderer has no Node: use window.evidence.',
        })),
      ],
    },
  },
  {
    files: ['src/preload/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: noNode.paths,
          patterns: [
            ...noNode.patterns,
            react,
            sqlite,
            group(['**/core/**', '**/main/**', '**/renderer/**', '**/cli/**', '**/host/**'], 'The sandboxed preload imports electron and the contract only.'),
          ],
        },
      ],
    },
  },
  {
    files: ['src/main/**', 'src/cli/**', 'src/host/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            react,
            group(['**/renderer/**'], 'A front door (main process, CLI, browser host) does not import the renderer.'),
            // The front doors reach the engine through its public face only.
            group(['**/core/**', '!**/core/index.ts'], 'Import the engine from src/core/index.ts (export what you need there).'),
          ],
        },
      ],
    },
  },
);
