// The architecture's boundaries (DESIGN.md section 2), checked by reading the imports of every
// file under src/ with the TypeScript parser, so they hold even where ESLint is not run:
//   shared    pure TypeScript: no Node, no DOM, no Electron, no React, no other layer
//   core      the engine: no Electron, no React, no front door
//   renderer  no Node, no Electron, no better-sqlite3; engine/main code as types only
//   preload   sandboxed: no Node, no React, no better-sqlite3, no engine
//   main, cli, host: the other front doors; none imports the renderer or React (main: Electron ok)
//   front doors (main, cli, host, renderer): the engine only through its public face, src/core/index.ts
// eslint.config.js states the same rules for the editor.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '../..');
const srcDir = join(root, 'src');

const LAYERS = ['shared', 'core', 'main', 'preload', 'renderer', 'cli', 'host'] as const;
type Layer = (typeof LAYERS)[number];

interface Rule {
  node: boolean;
  packages: RegExp[];
  /** Layers this one may not import at all. */
  layers: Layer[];
  /** Layers it may import types from, but no values. */
  typeOnly?: Layer[];
  /** Globals it may not use (DOM or Node). */
  globals?: string[];
  /** A front door: it may reach the engine only through src/core/index.ts. */
  coreFaceOnly?: boolean;
}

const electron = /^electron(\/|$)/;
const react = /^react(-dom)?(\/|$)/;
const sqlite = /^better-sqlite3(\/|$)/;

export const RULES: Record<Layer, Rule> = {
  shared: {
    node: true,
    packages: [electron, react, sqlite],
    layers: ['core', 'main', 'preload', 'renderer', 'cli', 'host'],
    globals: ['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'process', 'Buffer', 'require', '__dirname', '__filename'],
  },
  core: {
    node: false,
    packages: [electron, react],
    layers: ['main', 'preload', 'renderer', 'cli', 'host'],
    globals: ['window', 'document'],
  },
  renderer: {
    node: true,
    packages: [electron, sqlite],
    layers: [],
    typeOnly: ['core', 'main', 'cli', 'host'],
    globals: ['process', 'require', 'Buffer', '__dirname', '__filename'],
    coreFaceOnly: true,
  },
  preload: { node: true, packages: [react, sqlite], layers: ['core', 'main', 'renderer', 'cli', 'host'] },
  main: { node: false, packages: [react], layers: ['renderer'], coreFaceOnly: true },
  cli: { node: false, packages: [electron, react], layers: ['main', 'preload', 'renderer', 'host'], coreFaceOnly: true },
  host: { node: false, packages: [electron, react], layers: ['main', 'preload', 'renderer', 'cli'], coreFaceOnly: true },
};

/** The engine's public face: the one module of src/core a front door may import. */
export const CORE_FACE = join(srcDir, 'core', 'index.ts');
function isCoreFace(target: string): boolean {
  const t = target.replace(/[\\/]+$/, '');
  return [CORE_FACE, CORE_FACE.replace(/\.ts$/, '.js'), CORE_FACE.replace(/\.ts$/, ''), dirname(CORE_FACE)].includes(t);
}

const nodeBuiltins = new Set(builtinModules.filter((m) => !m.startsWith('_')));
function isNodeBuiltin(spec: string): boolean {
  if (spec.startsWith('node:')) return true;
  return nodeBuiltins.has(spec.split('/')[0]!);
}

export interface ImportRef {
  spec: string;
  typeOnly: boolean;
  line: number;
}

/** Every module a file refers to: import/export ... from, import x = require(), import(), require(). */
export function importsOf(fileName: string, text: string): { imports: ImportRef[]; globals: { name: string; line: number }[] } {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const imports: ImportRef[] = [];
  const globals: { name: string; line: number }[] = [];
  const line = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const c = n.importClause;
      const allTypes =
        !!c &&
        (c.isTypeOnly ||
          (!c.name &&
            !!c.namedBindings &&
            ts.isNamedImports(c.namedBindings) &&
            c.namedBindings.elements.length > 0 &&
            c.namedBindings.elements.every((e) => e.isTypeOnly)));
      imports.push({ spec: n.moduleSpecifier.text, typeOnly: allTypes, line: line(n) });
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      imports.push({ spec: n.moduleSpecifier.text, typeOnly: n.isTypeOnly, line: line(n) });
    } else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) {
      const e = n.moduleReference.expression;
      if (ts.isStringLiteral(e)) imports.push({ spec: e.text, typeOnly: n.isTypeOnly, line: line(n) });
    } else if (ts.isCallExpression(n)) {
      const [arg] = n.arguments;
      const isImport = n.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(n.expression) && n.expression.text === 'require';
      if ((isImport || isRequire) && arg && ts.isStringLiteralLike(arg)) imports.push({ spec: arg.text, typeOnly: false, line: line(n) });
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      imports.push({ spec: n.argument.literal.text, typeOnly: true, line: line(n) });
    } else if (ts.isIdentifier(n) && isGlobalReference(n)) {
      globals.push({ name: n.text, line: line(n) });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return { imports, globals };
}

/** An identifier used as a value expression (not a property name, declaration or type). */
function isGlobalReference(n: ts.Identifier): boolean {
  const p = n.parent;
  if (!p) return false;
  if (ts.isPropertyAccessExpression(p) && p.name === n) return false;
  if (ts.isQualifiedName(p)) return false;
  if ((ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isPropertySignature(p) || ts.isMethodDeclaration(p)) && p.name === n) return false;
  if ((ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isFunctionDeclaration(p) || ts.isClassDeclaration(p) || ts.isBindingElement(p)) && p.name === n) return false;
  if (ts.isImportSpecifier(p) || ts.isImportClause(p) || ts.isNamespaceImport(p) || ts.isExportSpecifier(p)) return false;
  if (ts.isTypeReferenceNode(p) || ts.isInterfaceDeclaration(p) || ts.isTypeAliasDeclaration(p)) return false;
  if (ts.isShorthandPropertyAssignment(p)) return true;
  return true;
}

function layerOf(absPath: string): Layer | null {
  const rel = relative(srcDir, absPath);
  if (rel.startsWith('..')) return null;
  const first = rel.split(sep)[0] as Layer;
  return LAYERS.includes(first) ? first : null;
}

export interface Violation {
  file: string;
  line: number;
  message: string;
}

/** Checks one file's imports and globals against its layer's rule. */
export function checkFile(absPath: string, text: string): Violation[] {
  const layer = layerOf(absPath);
  if (!layer) return [];
  const rule = RULES[layer];
  const file = relative(root, absPath);
  const out: Violation[] = [];
  const { imports, globals } = importsOf(absPath, text);
  // Locally declared names shadow globals (e.g. `const process = ...`): good enough to ignore them.
  for (const i of imports) {
    const say = (why: string) => out.push({ file, line: i.line, message: `${layer} imports '${i.spec}': ${why}` });
    if (i.spec.startsWith('.')) {
      const resolved = resolve(dirname(absPath), i.spec);
      const target = layerOf(resolved);
      if (target && target !== layer) {
        if (rule.layers.includes(target)) say(`${layer} may not import ${target}`);
        else if (rule.typeOnly?.includes(target) && !i.typeOnly) say(`${layer} may import only types from ${target}`);
        else if (target === 'core' && rule.coreFaceOnly && !isCoreFace(resolved)) {
          say(`${layer} is a front door: it may import the engine only through src/core/index.ts (export what it needs from there)`);
        }
      }
      continue;
    }
    if (rule.node && isNodeBuiltin(i.spec) && !i.typeOnly) say('no Node built-ins in this layer');
    const pkg = rule.packages.find((re) => re.test(i.spec));
    if (pkg) say(`package not allowed in ${layer}`);
  }
  for (const g of globals) {
    if (rule.globals?.includes(g.name)) out.push({ file, line: g.line, message: `${layer} uses the global '${g.name}'` });
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|tsx|mts|cts|js|mjs|cjs|jsx)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

describe('layer boundaries under src/', () => {
  const files = sourceFiles(srcDir);

  test('there is code in the layers the design names', () => {
    const layers = new Set(files.map(layerOf));
    for (const l of ['shared', 'core', 'main', 'preload', 'renderer', 'cli'] as const) assert.ok(layers.has(l), `src/${l} exists`);
  });

  test('no file crosses a boundary', () => {
    const violations = files.flatMap((f) => checkFile(f, readFileSync(f, 'utf8')));
    assert.deepEqual(
      violations.map((v) => `${v.file}:${v.line} ${v.message}`),
      [],
    );
  });
});

describe('the boundary checker itself', () => {
  const at = (layer: string, name = 'x.ts') => join(srcDir, layer, name);
  const messages = (layer: string, code: string, name?: string) => checkFile(at(layer, name), code).map((v) => v.message);

  test('finds Node, Electron, React and layer imports in shared, in every syntax', () => {
    const code = [
      "import { readFileSync } from 'node:fs';",
      "import path from 'path';",
      "export { x } from 'fs/promises';",
      "import { app } from 'electron';",
      "import React from 'react';",
      "import type { DB } from '../core/db/open.ts';",
      "const m = await import('../main/main.ts');",
      "const s = require('better-sqlite3');",
      'const w = window.innerWidth;',
      'const env = process.env;',
    ].join('\n');
    const found = checkFile(at('shared'), code);
    // One finding (at least) on each of the ten lines; require() is also a forbidden global.
    assert.deepEqual([...new Set(found.map((v) => v.line))], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], found.map((v) => v.message).join('\n'));
  });

  test('allows what each layer may do', () => {
    assert.deepEqual(messages('shared', "import { z } from 'zod';\nconst o = { window: 1 };\no.window;\n"), []);
    assert.deepEqual(messages('core', "import Database from 'better-sqlite3';\nimport { join } from 'node:path';\nimport { contract } from '../shared/contract.ts';\n"), []);
    assert.deepEqual(messages('main', "import { app } from 'electron';\nimport { EvidenceService } from '../core/index.ts';\nimport { buildBridge } from '../preload/bridge.ts';\n"), []);
    assert.deepEqual(messages('preload', "import { contextBridge } from 'electron';\nimport { methodNames } from '../shared/contract.ts';\n"), []);
    assert.deepEqual(
      messages('renderer', "import { useState } from 'react';\nimport type { ServiceOptions } from '../core/index.ts';\nimport { type Input } from '../shared/contract.ts';\n", 'x.tsx'),
      [],
    );
  });

  test('renderer: types from the engine are fine, values are not', () => {
    assert.equal(messages('renderer', "import { type ServiceOptions } from '../core/index.ts';").length, 0);
    assert.equal(messages('renderer', "import { EvidenceService } from '../core/service.ts';").length, 1);
    assert.equal(messages('renderer', "import { readFile } from 'node:fs/promises';").length, 1);
    assert.equal(messages('renderer', "import { ipcRenderer } from 'electron';").length, 1);
  });

  test('core: no Electron, no React, no front door', () => {
    assert.equal(messages('core', "import { app } from 'electron/main';").length, 1);
    assert.equal(messages('core', "import { createRoot } from 'react-dom/client';").length, 1);
    assert.equal(messages('core', "import { registerIpc } from '../main/ipc.ts';").length, 1);
    assert.equal(messages('core', "import { buildProgram } from '../../cli/main.ts';", 'sub/x.ts').length, 1);
    assert.equal(messages('core', 'document.title = "x";').length, 1);
  });

  test('front doors: the engine only through its public face, src/core/index.ts', () => {
    for (const layer of ['cli', 'host', 'main'] as const) {
      assert.deepEqual(messages(layer, "import { EvidenceService, EvidenceError } from '../core/index.ts';"), [], layer);
      assert.deepEqual(messages(layer, "import { EvidenceService } from '../core';"), [], layer);
      assert.equal(messages(layer, "import { EvidenceService } from '../core/service.ts';").length, 1, layer);
      assert.equal(messages(layer, "import type { JobEvent } from '../core/jobs/runner.ts';").length, 1, `${layer}: types too`);
      assert.equal(messages(layer, "export { formatLocal } from '../core/time.ts';").length, 1, `${layer}: re-exports too`);
      assert.equal(messages(layer, "const m = await import('../core/ingest/ingest.ts');").length, 1, `${layer}: dynamic imports too`);
      assert.match(messages(layer, "import { formatLocal } from '../core/time.ts';")[0]!, /only through src\/core\/index\.ts/);
    }
    // From a file in a sub-folder (src/cli/commands/x.ts) the face is two levels up.
    assert.deepEqual(messages('cli', "import { formatLocal } from '../../core/index.ts';", 'commands/x.ts'), []);
    assert.equal(messages('cli', "import type { CustodyReport } from '../../core/custody/checkpoint.ts';", 'commands/x.ts').length, 1);
    // The renderer: types only, and only from the face (the contract's output types are in src/shared).
    assert.equal(messages('renderer', "import type { ItemRow } from '../core/catalogue/query.ts';", 'x.tsx').length, 1);
    assert.deepEqual(messages('renderer', "import type { ItemRow } from '../shared/contract.ts';", 'x.tsx'), []);
    // Inside the engine, anything goes.
    assert.deepEqual(messages('core', "import { ingest } from './ingest/ingest.ts';"), []);
  });

  test('preload: no Node and no engine', () => {
    assert.equal(messages('preload', "import fs from 'fs';").length, 1);
    assert.equal(messages('preload', "import { EvidenceService } from '../core/service.ts';").length, 1);
  });
});
