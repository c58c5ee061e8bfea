// case.jsonld of a bundle: the same facts as manifest.json and custody.jsonl in CASE/UCO 1.x
// (https://caseontology.org), the exchange format forensic tools read, so a defence or partner
// lab can load the bundle into their own tools.
//
// - Each exported file is a uco-observable:File with a FileFacet (name, device path, size, times)
//   and a ContentDataFacet (size, MIME type, MD5/SHA1/SHA256 as uco-types:Hash).
// - Each exhibit is a uco-observable:Device (DeviceFacet, MobileDeviceFacet for the IMEI) with a
//   case-investigation:ProvenanceRecord carrying the exhibit number, naming the device and the
//   exported files read from it.
// - Each custody event given in full is a case-investigation:InvestigativeAction: performer (the
//   officer, a uco-identity:Person), start time, object (the file, exhibit or case it concerns)
//   and result (the custody log entry, a uco-observable:EventRecord whose SHA256 is the event's
//   chain hash).
// Every node has an IRI (UCO 1.x forbids blank nodes), built from the bundle id so two bundles
// never share one. The @context is inline: reading the file fetches nothing.
import type { BundleExhibit, BundleItem, CustodyLine, Manifest } from './manifest.ts';

type Node = Record<string, unknown>;
type FullEvent = Extract<CustodyLine, { action: string }>;

export const CASE_CONTEXT = {
  kb: '', // set per bundle (an IRI of this bundle)
  'case-investigation': 'https://ontology.caseontology.org/case/investigation/',
  'uco-action': 'https://ontology.unifiedcyberontology.org/uco/action/',
  'uco-core': 'https://ontology.unifiedcyberontology.org/uco/core/',
  'uco-identity': 'https://ontology.unifiedcyberontology.org/uco/identity/',
  'uco-observable': 'https://ontology.unifiedcyberontology.org/uco/observable/',
  'uco-tool': 'https://ontology.unifiedcyberontology.org/uco/tool/',
  'uco-types': 'https://ontology.unifiedcyberontology.org/uco/types/',
  'uco-vocabulary': 'https://ontology.unifiedcyberontology.org/uco/vocabulary/',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
} as const;

/** The CASE version the document follows (the IRIs above are those of CASE 1.x / UCO 1.x). */
export const CASE_VERSION = 'CASE 1.3.0 / UCO 1.3.0';

const ref = (id: string): { '@id': string } => ({ '@id': id });

/** xsd:dateTime lexical form (zone optional); anything else is left out rather than mis-typed. */
const DATE_TIME = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

function dateTime(s: string | null | undefined): { '@type': 'xsd:dateTime'; '@value': string } | undefined {
  return s && DATE_TIME.test(s) ? { '@type': 'xsd:dateTime', '@value': s } : undefined;
}

/** Drops undefined and null values, so a field the case does not know is simply absent. */
function clean(n: Node): Node {
  return Object.fromEntries(Object.entries(n).filter(([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)));
}

function hashNode(id: string, method: 'MD5' | 'SHA1' | 'SHA256', value: string): Node {
  return {
    '@id': id,
    '@type': 'uco-types:Hash',
    'uco-types:hashMethod': { '@type': 'uco-vocabulary:HashNameVocab', '@value': method },
    'uco-types:hashValue': { '@type': 'xsd:hexBinary', '@value': value },
  };
}

function extensionOf(name: string): string | undefined {
  const m = /\.([^./\\]{1,16})$/.exec(name);
  return m ? m[1] : undefined;
}

/** A stable IRI-safe slug of a text (officer names may hold any script): its UTF-8 bytes in hex. */
function slug(s: string): string {
  return Buffer.from(s, 'utf8').toString('hex').slice(0, 64);
}

export function fileId(itemId: number): string {
  return `kb:file-${itemId}`;
}

function fileNode(it: BundleItem): Node {
  const id = fileId(it.id);
  return {
    '@id': id,
    '@type': 'uco-observable:File',
    'uco-core:name': it.name,
    'uco-core:description': `Item ${it.id} of the case; copy in this bundle: ${it.file}`,
    'uco-core:hasFacet': [
      clean({
        '@id': `${id}-file-facet`,
        '@type': 'uco-observable:FileFacet',
        'uco-observable:fileName': it.name,
        'uco-observable:filePath': it.devicePath,
        'uco-observable:extension': extensionOf(it.name),
        'uco-observable:isDirectory': false,
        'uco-observable:sizeInBytes': it.size,
        'uco-observable:modifiedTime': dateTime(it.times.modified),
        'uco-observable:accessedTime': dateTime(it.times.accessed),
        'uco-observable:metadataChangeTime': dateTime(it.times.changed),
        'uco-observable:observableCreatedTime': dateTime(it.times.created),
      }),
      clean({
        '@id': `${id}-content-facet`,
        '@type': 'uco-observable:ContentDataFacet',
        'uco-observable:sizeInBytes': it.size,
        'uco-observable:mimeType': it.mime ?? undefined,
        'uco-observable:hash': [
          hashNode(`${id}-md5`, 'MD5', it.md5),
          hashNode(`${id}-sha1`, 'SHA1', it.sha1),
          hashNode(`${id}-sha256`, 'SHA256', it.sha256),
        ],
      }),
    ],
  };
}

function deviceId(e: BundleExhibit): string {
  return `kb:device-${e.id}`;
}

function exhibitNodes(e: BundleExhibit, files: string[]): Node[] {
  const nodes: Node[] = [];
  const dev = deviceId(e);
  const facets: Node[] = [];
  let maker: string | undefined;
  if (e.device.make) {
    maker = `kb:manufacturer-${slug(e.device.make)}`;
    nodes.push({ '@id': maker, '@type': 'uco-identity:Organization', 'uco-core:name': e.device.make });
  }
  if (maker || e.device.model || e.device.serial) {
    facets.push(
      clean({
        '@id': `${dev}-device-facet`,
        '@type': 'uco-observable:DeviceFacet',
        'uco-observable:manufacturer': maker ? ref(maker) : undefined,
        'uco-observable:model': e.device.model ?? undefined,
        'uco-observable:serialNumber': e.device.serial ?? undefined,
      }),
    );
  }
  if (e.device.imei) {
    facets.push({ '@id': `${dev}-mobile-facet`, '@type': 'uco-observable:MobileDeviceFacet', 'uco-observable:IMEI': e.device.imei });
  }
  nodes.push(
    clean({
      '@id': dev,
      '@type': 'uco-observable:Device',
      'uco-core:name': [e.device.make, e.device.model].filter(Boolean).join(' ') || `Exhibit ${e.number}`,
      'uco-core:description': e.description ?? undefined,
      'uco-core:hasFacet': facets,
    }),
  );
  const seal = e.seal.number ? `seal ${e.seal.number} (${e.seal.sealed ? 'sealed' : 'seal broken'} at export)` : 'no seal on record';
  nodes.push(
    clean({
      '@id': `kb:provenance-exhibit-${e.id}`,
      '@type': 'case-investigation:ProvenanceRecord',
      'case-investigation:exhibitNumber': e.number,
      'uco-core:name': `Exhibit ${e.number}`,
      'uco-core:description': [
        e.description,
        seal,
        e.seizedBy ? `seized by ${e.seizedBy}` : null,
        e.seizedAt ? `at ${e.seizedAt}` : null,
        e.seizedWhere ? `in ${e.seizedWhere}` : null,
        e.custodian ? `custodian ${e.custodian}` : null,
      ]
        .filter(Boolean)
        .join('; '),
      'uco-core:objectCreatedTime': dateTime(e.createdAt),
      'uco-core:object': [ref(dev), ...files.map(ref)],
    }),
  );
  return nodes;
}

/** What a custody event concerns, as graph nodes: "item:12", "exhibit:EXH-1", "source:3". */
function objectsOf(e: FullEvent, m: Manifest, items: Set<number>): { '@id': string }[] {
  const out: { '@id': string }[] = [];
  const t = e.target ?? '';
  const [kind, rest] = [t.slice(0, t.indexOf(':')), t.slice(t.indexOf(':') + 1)];
  if (kind === 'item' && items.has(Number(rest))) out.push(ref(fileId(Number(rest))));
  if (kind === 'exhibit') {
    const ex = m.exhibits.find((x) => x.number === rest);
    if (ex) out.push(ref(deviceId(ex)));
  }
  if (kind === 'source') {
    const ex = m.exhibits.find((x) => x.sources.some((s) => String(s.id) === rest));
    if (ex) out.push(ref(deviceId(ex)));
  }
  const d = e.details as Record<string, unknown>;
  const listed = Array.isArray(d.items) ? d.items : Array.isArray(d.ids) ? d.ids : [];
  for (const v of listed) if (typeof v === 'number' && items.has(v) && !out.some((o) => o['@id'] === fileId(v))) out.push(ref(fileId(v)));
  // Events about the case itself (created, checkpoint, officers) concern the investigation.
  if (out.length === 0) out.push(ref('kb:investigation'));
  return out;
}

/** Renders case.jsonld. Pure: manifest and custody excerpt in, one JSON text out. */
export function renderCaseJsonLd(manifest: Manifest, custody: CustodyLine[]): string {
  const graph: Node[] = [];
  const people = new Map<string, string>();
  const person = (name: string): string => {
    let id = people.get(name);
    if (!id) {
      id = `kb:person-${slug(name)}`;
      people.set(name, id);
      const o = manifest.officers.find((x) => x.name === name);
      graph.push(
        clean({
          '@id': id,
          '@type': 'uco-identity:Person',
          'uco-core:name': name,
          'uco-core:description': o
            ? [o.role, o.badge ? `badge ${o.badge}` : null, o.unit, o.keyFingerprint ? `signing key ${o.keyFingerprint}` : null].filter(Boolean).join('; ')
            : undefined,
        }),
      );
    }
    return id;
  };
  const itemIds = new Set(manifest.items.map((i) => i.id));

  graph.push({
    '@id': 'kb:tool',
    '@type': 'uco-tool:Tool',
    'uco-core:name': manifest.app.name,
    'uco-tool:version': manifest.app.version,
    'uco-tool:toolType': 'Evidence catalogue and export',
  });
  for (const o of manifest.officers) person(o.name);
  for (const it of manifest.items) graph.push(fileNode(it));
  for (const e of manifest.exhibits) {
    graph.push(...exhibitNodes(e, manifest.items.filter((i) => i.exhibit === e.number).map((i) => fileId(i.id))));
  }

  let actions = 0;
  for (const line of custody) {
    if ('withheld' in line) continue;
    actions++;
    const record = `kb:custody-event-${line.seq}`;
    graph.push(
      clean({
        '@id': `kb:action-${line.seq}`,
        '@type': 'case-investigation:InvestigativeAction',
        'uco-core:name': line.action,
        'uco-core:description': line.reason ? `custody event ${line.seq}: ${line.action}; reason: ${line.reason}` : `custody event ${line.seq}: ${line.action}`,
        'uco-action:startTime': dateTime(line.at_utc),
        'uco-action:performer': ref(person(line.officer)),
        'uco-action:instrument': ref('kb:tool'),
        'uco-action:object': objectsOf(line, manifest, itemIds),
        'uco-action:result': [ref(record)],
      }),
    );
    graph.push({
      '@id': record,
      '@type': 'uco-observable:EventRecord',
      'uco-core:name': `Custody log entry ${line.seq}`,
      'uco-core:hasFacet': [
        clean({
          '@id': `${record}-facet`,
          '@type': 'uco-observable:EventRecordFacet',
          'uco-observable:eventRecordID': String(line.seq),
          'uco-observable:eventType': line.action,
          'uco-observable:eventRecordText': JSON.stringify({ ...line }),
          'uco-observable:observableCreatedTime': dateTime(line.at_utc),
        }),
        {
          '@id': `${record}-content-facet`,
          '@type': 'uco-observable:ContentDataFacet',
          // The event's chain hash: SHA-256 of its canonical JSON with the previous event's hash.
          'uco-observable:hash': [hashNode(`${record}-sha256`, 'SHA256', line.hash)],
        },
      ],
    });
  }

  const investigation = clean({
    '@id': 'kb:investigation',
    '@type': 'case-investigation:Investigation',
    'uco-core:name': manifest.case.number,
    'uco-core:description': `${manifest.case.name} (bundle ${manifest.bundleId}: ${manifest.items.length} files, ${actions} custody events)`,
    'uco-core:objectCreatedTime': dateTime(manifest.case.createdAt),
    'uco-core:object': graph.map((n) => ref(n['@id'] as string)),
  });
  const doc = {
    '@context': { ...CASE_CONTEXT, kb: `urn:evidence-bundle:${encodeURIComponent(manifest.bundleId)}:` },
    '@graph': [investigation, ...graph],
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
