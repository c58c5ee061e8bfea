// case.jsonld (issue 13): CASE/UCO 1.x JSON-LD. Checked by structure (no JSON-LD processor is a
// dependency, and the CASE validator is Python): an inline @context whose prefixes are the
// ontologies' IRIs, every node with an IRI and a type of a declared prefix, every reference
// resolving, every exported file a uco-observable:File with FileFacet and ContentDataFacet hashes
// (its SHA-256 among them), one case-investigation:InvestigativeAction per custody event given in
// full (performer, time, object, result), one case-investigation:ProvenanceRecord per exhibit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderCaseJsonLd } from '../../src/core/bundle/caseUco.ts';
import { sampleCustody, sampleManifest } from './bundle-sample.ts';

type Node = Record<string, unknown> & { '@id': string; '@type': string | string[] };
type Ref = { '@id': string };

function load(): { doc: { '@context': Record<string, string>; '@graph': Node[] }; nodes: Map<string, Node> } {
  const text = renderCaseJsonLd(sampleManifest(), sampleCustody());
  const doc = JSON.parse(text) as { '@context': Record<string, string>; '@graph': Node[] };
  // Every node, top-level or nested (facets, hashes), by its @id.
  const nodes = new Map<string, Node>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (typeof o['@id'] === 'string' && '@type' in o) {
      assert.ok(!nodes.has(o['@id']), `@id ${o['@id']} defined twice`);
      nodes.set(o['@id'], o as Node);
    }
    for (const [k, x] of Object.entries(o)) if (k !== '@context') walk(x);
  };
  walk(doc['@graph']);
  return { doc, nodes };
}

const types = (n: Node): string[] => (Array.isArray(n['@type']) ? n['@type'] : [n['@type']]);
const ofType = (nodes: Map<string, Node>, t: string): Node[] => [...nodes.values()].filter((n) => types(n).includes(t));
const refs = (v: unknown): string[] => (Array.isArray(v) ? v : v ? [v] : []).map((r) => (r as Ref)['@id']);
const facet = (n: Node, t: string): Record<string, unknown> | undefined =>
  (n['uco-core:hasFacet'] as Node[] | undefined)?.find((f) => types(f).includes(t));

test('case.jsonld: an inline CASE/UCO 1.x context, every node an IRI with a declared type, every reference resolving', () => {
  const { doc, nodes } = load();
  const ctx = doc['@context'];
  assert.equal(typeof ctx, 'object', 'the context is inline, not fetched');
  assert.equal(ctx['case-investigation'], 'https://ontology.caseontology.org/case/investigation/');
  for (const p of ['core', 'observable', 'types', 'action', 'identity', 'vocabulary', 'tool']) {
    assert.equal(ctx[`uco-${p}`], `https://ontology.unifiedcyberontology.org/uco/${p}/`);
  }
  assert.match(ctx.kb!, /^urn:evidence-bundle:3f1c2a9e-7b1d-4c55-9a0e-1b2c3d4e5f60:$/);
  const prefixes = new Set(Object.keys(ctx));
  const checkTerms = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(checkTerms);
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (!k.startsWith('@')) assert.ok(prefixes.has(k.split(':')[0]!), `undeclared prefix in ${k}`);
      if (k === '@type') for (const t of Array.isArray(x) ? x : [x]) assert.ok(prefixes.has(String(t).split(':')[0]!), `undeclared type prefix ${String(t)}`);
      checkTerms(x);
    }
  };
  checkTerms(doc['@graph']);
  // No blank nodes (UCO 1.x wants IRIs), and every {"@id": ...} points at a node in the document.
  const check = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(check);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if ('@value' in o) return;
    assert.equal(typeof o['@id'], 'string', `a node without an IRI: ${JSON.stringify(o).slice(0, 120)}`);
    assert.ok(!(o['@id'] as string).startsWith('_:'), 'blank node');
    if (Object.keys(o).length === 1) assert.ok(nodes.has(o['@id'] as string), `dangling reference ${String(o['@id'])}`);
    for (const [k, x] of Object.entries(o)) if (k !== '@id') check(x);
  };
  check(doc['@graph']);
  // The investigation names every top-level node.
  const inv = ofType(nodes, 'case-investigation:Investigation');
  assert.equal(inv.length, 1);
  assert.equal(inv[0]!['uco-core:name'], 'KH-2026-0142');
  assert.equal(refs(inv[0]!['uco-core:object']).length, doc['@graph'].length - 1);
});

test('case.jsonld: every exported file with FileFacet and ContentDataFacet MD5, SHA1 and SHA256', () => {
  const m = sampleManifest();
  const { nodes } = load();
  const files = ofType(nodes, 'uco-observable:File');
  assert.equal(files.length, m.items.length);
  for (const it of m.items) {
    const f = nodes.get(`kb:file-${it.id}`);
    assert.ok(f, `item ${it.id}`);
    const ff = facet(f, 'uco-observable:FileFacet')!;
    assert.equal(ff['uco-observable:fileName'], it.name, 'the name exactly as recorded (JSON holds any text)');
    assert.equal(ff['uco-observable:filePath'], it.devicePath);
    assert.equal(ff['uco-observable:sizeInBytes'], it.size);
    assert.deepEqual(ff['uco-observable:modifiedTime'], { '@type': 'xsd:dateTime', '@value': it.times.modified });
    const cd = facet(f, 'uco-observable:ContentDataFacet')!;
    assert.equal(cd['uco-observable:mimeType'], it.mime);
    const hashes = Object.fromEntries(
      (cd['uco-observable:hash'] as Record<string, { '@value': string; '@type': string }>[]).map((h) => {
        assert.equal(h['@type'] as unknown, 'uco-types:Hash');
        assert.equal(h['uco-types:hashMethod']!['@type'], 'uco-vocabulary:HashNameVocab');
        assert.equal(h['uco-types:hashValue']!['@type'], 'xsd:hexBinary');
        return [h['uco-types:hashMethod']!['@value'], h['uco-types:hashValue']!['@value']];
      }),
    );
    assert.deepEqual(hashes, { MD5: it.md5, SHA1: it.sha1, SHA256: it.sha256 });
  }
});

test('case.jsonld: one InvestigativeAction per custody event given in full, with performer, time, object and result', () => {
  const { nodes } = load();
  const full = sampleCustody().filter((l) => !('withheld' in l)) as Extract<ReturnType<typeof sampleCustody>[number], { action: string }>[];
  const actions = ofType(nodes, 'case-investigation:InvestigativeAction');
  assert.equal(actions.length, full.length, 'the withheld event is not an action');
  for (const e of full) {
    const a = nodes.get(`kb:action-${e.seq}`)!;
    assert.ok(a, `event ${e.seq}`);
    assert.equal(a['uco-core:name'], e.action);
    assert.deepEqual(a['uco-action:startTime'], { '@type': 'xsd:dateTime', '@value': e.at_utc });
    const performer = nodes.get(refs(a['uco-action:performer'])[0]!)!;
    assert.ok(types(performer).includes('uco-identity:Person'));
    assert.equal(performer['uco-core:name'], e.officer);
    assert.ok(refs(a['uco-action:object']).length > 0, `event ${e.seq} has an object`);
    const [result] = refs(a['uco-action:result']);
    const record = nodes.get(result!)!;
    assert.ok(types(record).includes('uco-observable:EventRecord'));
    const hash = (facet(record, 'uco-observable:ContentDataFacet')!['uco-observable:hash'] as Record<string, { '@value': string }>[])[0]!;
    assert.equal(hash['uco-types:hashValue']!['@value'], e.hash, 'the record carries the event’s chain hash');
  }
  // What each event concerns: the tagged item's File, the exhibit's Device, the listed items.
  assert.deepEqual(refs(nodes.get('kb:action-5')!['uco-action:object']), ['kb:file-1']);
  assert.deepEqual(refs(nodes.get('kb:action-2')!['uco-action:object']), ['kb:device-1']);
  assert.deepEqual(refs(nodes.get('kb:action-4')!['uco-action:object']), ['kb:device-1'], 'an ingest of a source of the exhibit');
  assert.deepEqual(refs(nodes.get('kb:action-7')!['uco-action:object']), ['kb:file-4', 'kb:file-5']);
  assert.deepEqual(refs(nodes.get('kb:action-1')!['uco-action:object']), ['kb:investigation']);
});

test('case.jsonld: one ProvenanceRecord per exhibit, with its number, device facts and files', () => {
  const m = sampleManifest();
  const { nodes } = load();
  const recs = ofType(nodes, 'case-investigation:ProvenanceRecord');
  assert.equal(recs.length, m.exhibits.length);
  for (const e of m.exhibits) {
    const r = recs.find((x) => x['case-investigation:exhibitNumber'] === e.number)!;
    assert.ok(r, e.number);
    const objs = refs(r['uco-core:object']);
    assert.equal(objs[0], `kb:device-${e.id}`);
    assert.deepEqual(objs.slice(1).sort(), m.items.filter((i) => i.exhibit === e.number).map((i) => `kb:file-${i.id}`).sort());
    const dev = nodes.get(`kb:device-${e.id}`)!;
    assert.ok(types(dev).includes('uco-observable:Device'));
    assert.equal(facet(dev, 'uco-observable:DeviceFacet')!['uco-observable:serialNumber'], e.device.serial);
    assert.equal(facet(dev, 'uco-observable:DeviceFacet')!['uco-observable:model'], e.device.model);
    if (e.device.imei) assert.equal(facet(dev, 'uco-observable:MobileDeviceFacet')!['uco-observable:IMEI'], e.device.imei);
    assert.match(String(r['uco-core:description']), new RegExp(`seal ${e.seal.number}`));
  }
});
