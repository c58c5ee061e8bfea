// dfxml.xml (issue 13): Digital Forensics XML with one fileobject per exported file. Parsed with
// a strict namespace-aware XML parser (saxes) and, where installed, xmllint; checked against the
// DFXML schema's structure (the element order of its fileobject sequence, name_type and
// hashdigest values). With DFXML_SCHEMA set to a copy of dfxml.xsd (github.com/dfxml-working-
// group/dfxml_schema, with its ref/ folder), xmllint also validates against it; the schema is
// not on the npm registry, so the test does not fetch it.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SaxesParser } from 'saxes';
import { DFXML_NS, renderDfxml } from '../../src/core/bundle/dfxml.ts';
import { visible } from '../../src/shared/text.ts';
import { sampleManifest } from './bundle-sample.ts';
import { run, tempDir, toolOrSkip } from './helpers.ts';

interface El {
  name: string;
  ns: string;
  attrs: Record<string, string>;
  text: string;
  children: El[];
}

function parse(xml: string): El {
  const p = new SaxesParser({ xmlns: true });
  const stack: El[] = [];
  let root: El | null = null;
  p.on('opentag', (t) => {
    const el: El = { name: t.local, ns: t.uri, attrs: Object.fromEntries(Object.values(t.attributes).map((a) => [a.local, a.value])), text: '', children: [] };
    if (stack.length) stack[stack.length - 1]!.children.push(el);
    else root = el;
    stack.push(el);
  });
  p.on('text', (s) => {
    if (stack.length) stack[stack.length - 1]!.text += s;
  });
  p.on('closetag', () => void stack.pop());
  p.write(xml).close();
  assert.ok(root);
  return root;
}

/** The order of fileobject's children in the DFXML schema (the ones renderDfxml writes). */
const FILEOBJECT_ORDER = ['filename', 'id', 'name_type', 'filesize', 'mtime', 'ctime', 'atime', 'crtime', 'hashdigest'];

test('dfxml.xml parses, in the DFXML namespace, with metadata, creator, source and one fileobject per file', () => {
  const m = sampleManifest();
  const root = parse(renderDfxml(m));
  assert.equal(root.name, 'dfxml');
  assert.equal(root.ns, DFXML_NS);
  assert.equal(root.attrs.version, '1.2.0');
  assert.deepEqual(root.children.slice(0, 3).map((c) => c.name), ['metadata', 'creator', 'source']);
  assert.equal(root.children[0]!.children.length, 1, 'one Dublin Core element in metadata');
  assert.equal(root.children[0]!.children[0]!.ns, 'http://purl.org/dc/elements/1.1/');
  assert.deepEqual(root.children[1]!.children.map((c) => c.name), ['program', 'version', 'execution_environment']);
  const fos = root.children.slice(3);
  assert.ok(fos.every((f) => f.name === 'fileobject' && f.ns === DFXML_NS));
  assert.equal(fos.length, m.items.length);
  for (const [i, it] of m.items.entries()) {
    const fo = fos[i]!;
    const names = fo.children.map((c) => c.name);
    const order = names.map((n) => FILEOBJECT_ORDER.indexOf(n));
    assert.ok(order.every((x, j) => x >= 0 && (j === 0 || x >= order[j - 1]!)), `item ${it.id}: children in the schema's order: ${names.join(',')}`);
    const get = (n: string): El[] => fo.children.filter((c) => c.name === n);
    assert.equal(get('filename')[0]!.text, visible(it.file));
    assert.equal(get('id')[0]!.text, String(it.id));
    assert.equal(get('name_type')[0]!.text, 'r');
    assert.equal(get('filesize')[0]!.text, String(it.size));
    assert.equal(get('mtime')[0]!.text, it.times.modified);
    assert.deepEqual(Object.fromEntries(get('hashdigest').map((h) => [h.attrs.type, h.text])), { md5: it.md5, sha1: it.sha1, sha256: it.sha256 });
  }
});

test('dfxml.xml: hostile file names are escaped XML text, control characters written out', () => {
  const m = sampleManifest();
  m.items[0]!.file = 'files/a <b> & "c" \u001b[31m\u202e\ufffe.jpg';
  const xml = renderDfxml(m);
  assert.ok(!/[\u001b\u202e\ufffe]/.test(xml));
  const root = parse(xml);
  assert.equal(root.children[3]!.children[0]!.text, 'files/a <b> & "c" \\x1b[31m\\u202e\\ufffe.jpg');
});

test('dfxml.xml is well-formed for xmllint, and valid against the DFXML schema when one is given', (t) => {
  if (!toolOrSkip(t, 'xmllint', 'apt-get install libxml2-utils')) return;
  const file = join(tempDir(t), 'dfxml.xml');
  writeFileSync(file, renderDfxml(sampleManifest()));
  run('xmllint', ['--noout', file]);
  const schema = process.env.DFXML_SCHEMA;
  if (!schema) {
    t.diagnostic('DFXML_SCHEMA not set: schema validation skipped (dfxml.xsd is not on the npm registry)');
    return;
  }
  run('xmllint', ['--noout', '--schema', schema, file]);
});
