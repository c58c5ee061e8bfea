// A bundle manifest and custody excerpt for the renderer tests (report.html, case.jsonld,
// dfxml.xml): two exhibits, photos with EXIF and GPS, a document, Japanese names, and names and
// notes a hostile device or officer could write (markup, bidi overrides, terminal escapes,
// protocol-relative and javascript: URLs). Checked against the manifest's own schema.
import { createHash } from 'node:crypto';
import { type CustodyLine, type Manifest, manifestSchema, BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION } from '../../src/core/bundle/manifest.ts';

const h = (alg: string, s: string): string => createHash(alg).update(s).digest('hex');
const raw = (s: string): { hex: string; base64: string } => ({ hex: Buffer.from(s).toString('hex'), base64: Buffer.from(s).toString('base64') });

export const HOSTILE_NAMES = [
  '<script>alert(1)</script>.jpg',
  '"><img src=//evil.example/x onerror=alert(1)>.png',
  'invoice\u202Egpj.exe',
  'evil\u001b]0;pwned\u0007.txt',
];

interface ItemSpec {
  id: number;
  name: string;
  exhibit: string | null;
  mime: string;
  takenAt?: string | null;
  gps?: { lat: number; lon: number; alt: number | null } | null;
  tags?: string[];
  note?: string;
  suggestion?: boolean;
  modified?: string;
}

function item(s: ItemSpec): Manifest['items'][number] {
  const content = `content of item ${s.id}`;
  const devicePath = `DCIM/100APPLE/${s.name}`;
  return {
    id: s.id,
    file: `files/${s.exhibit ?? 'none'}/${s.name.replace(/[<>:"/\\|?*\u0000-\u001f]/g, '_')}`,
    name: s.name,
    nameBytes: raw(s.name),
    devicePath,
    devicePathBytes: raw(devicePath),
    foundAt: null,
    exhibit: s.exhibit,
    sourceId: s.exhibit === 'EXH-002' ? 2 : 1,
    size: content.length,
    md5: h('md5', content),
    sha1: h('sha1', content),
    sha256: h('sha256', content),
    mime: s.mime,
    detectedExt: s.mime === 'image/jpeg' ? 'jpg' : null,
    extMismatch: s.name.endsWith('.exe') || s.name.endsWith('.txt'),
    mode: 0o644,
    times: {
      modified: s.modified ?? `2026-10-0${(s.id % 9) + 1}T0${s.id % 10}:15:00.000Z`,
      changed: null,
      accessed: '2026-11-01T00:00:00.000Z',
      created: null,
      from: 'file system of the export',
      container: null,
    },
    metadata:
      s.takenAt !== undefined || s.gps
        ? {
            takenAt: s.takenAt ?? null,
            gps: s.gps ?? null,
            make: 'Apple',
            model: 'iPhone 13',
            orientation: 1,
            fields: { Make: 'Apple', Model: 'iPhone 13', ImageDescription: '</style><script>alert(2)</script>', Software: '17.1', gps: { GPSLatitudeRef: 'N', GPSLatitude: [35, 39, 34.2] } },
            error: null,
          }
        : null,
    tags: (s.tags ?? []).map((tag) => ({ tag, officer: 'DS Tanaka', at: '2026-11-20T03:00:00.000Z', comment: tag === 'target-list' ? 'list of <victims>' : null })),
    notes: s.note
      ? [
          { id: s.id * 10, officer: 'DS Tanaka', text: s.note, at: '2026-11-21T04:00:00.000Z', removed: null },
          { id: s.id * 10 + 1, officer: 'DS Tanaka', text: 'wrong item', at: '2026-11-21T04:01:00.000Z', removed: { at: '2026-11-21T04:02:00.000Z', by: 'DS Tanaka', reason: 'typed on the wrong item' } },
        ]
      : [],
    acceptedSuggestions: s.suggestion
      ? [
          {
            id: 7,
            tag: 'target-list',
            rule: 'core/phone-list',
            score: 0.92,
            evidence: {
              summary: '41 phone numbers (Japan), 3 names',
              rule: { pack: 'core', id: 'phone-list', description: 'A list of many phone numbers' },
              metrics: { phones: 41, names: 3 },
              samples: { phones: ['090-1234-5678', '<b>080</b>-0000-0000'] },
              truncated: true,
            },
            decidedBy: 'DS Tanaka',
            decidedAt: '2026-11-22T05:00:00.000Z',
            comment: null,
          },
        ]
      : [],
    hashMatches: s.id === 3 ? [{ set: 'NSRL sample', kind: 'good', algo: 'sha1' }] : [],
    text: s.mime === 'text/plain' ? { kind: 'text', encoding: 'utf-8', chars: 120 } : null,
    reportedHashes: null,
  };
}

export function sampleManifest(): Manifest {
  const items = [
    item({ id: 1, name: 'IMG_0001.jpg', exhibit: 'EXH-001', mime: 'image/jpeg', takenAt: '2026-10-01T09:15:00+09:00', gps: { lat: 35.6595, lon: 139.7005, alt: 40 }, tags: ['target-list'], note: 'Photo of the list.\nSecond line <b>bold?</b>', suggestion: true }),
    item({ id: 2, name: '写真_渋谷.jpg', exhibit: 'EXH-001', mime: 'image/jpeg', takenAt: '2026-10-03T18:40:00', gps: { lat: 35.6618, lon: 139.7041, alt: null }, tags: ['scam-manual'] }),
    item({ id: 3, name: 'マニュアル.txt', exhibit: 'EXH-002', mime: 'text/plain', tags: ['scam-manual'] }),
    item({ id: 4, name: HOSTILE_NAMES[0]!, exhibit: 'EXH-002', mime: 'image/jpeg', gps: { lat: 35.7, lon: 139.8, alt: null }, tags: ['target-list'] }),
    item({ id: 5, name: HOSTILE_NAMES[1]!, exhibit: 'EXH-002', mime: 'image/png', tags: ['target-list'], note: '<iframe src="http://evil.example/"></iframe> javascript:alert(3)' }),
    item({ id: 6, name: HOSTILE_NAMES[2]!, exhibit: 'EXH-002', mime: 'application/x-dosexec' }),
    item({ id: 7, name: HOSTILE_NAMES[3]!, exhibit: null, mime: 'text/plain' }),
  ];
  const byTag: Record<string, number> = {};
  const byMime: Record<string, number> = {};
  const byExhibit: Record<string, number> = {};
  for (const i of items) {
    for (const t of i.tags) byTag[t.tag] = (byTag[t.tag] ?? 0) + 1;
    byMime[i.mime!] = (byMime[i.mime!] ?? 0) + 1;
    byExhibit[i.exhibit ?? '-'] = (byExhibit[i.exhibit ?? '-'] ?? 0) + 1;
  }
  const exhibit = (id: number, number: string, make: string, model: string, desc: string, sealed: boolean): Manifest['exhibits'][number] => ({
    id,
    number,
    description: desc,
    seal: { number: `S-00${id}`, sealed },
    device: { make, model, serial: `SN${id}234`, imei: id === 1 ? '356938035643809' : null },
    condition: 'screen cracked',
    seizedBy: 'DS Tanaka',
    seizedAt: '2026-09-30T14:05:00+09:00',
    seizedWhere: 'Shibuya, Tokyo <flat 3>',
    custodian: 'DS Tanaka',
    createdAt: '2026-09-30T06:00:00.000Z',
    createdBy: 'DS Tanaka',
    sources: [{ id, kind: 'folder', rootPath: `/mnt/usb/export-${id}`, officer: 'DS Tanaka', startedAt: '2026-10-05T01:00:00.000Z', finishedAt: '2026-10-05T01:10:00.000Z', status: 'finished' }],
  });
  const m: Manifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    bundleId: '3f1c2a9e-7b1d-4c55-9a0e-1b2c3d4e5f60',
    createdAt: { utc: '2026-12-01T02:00:00.000Z', offset: '+09:00', zone: 'Asia/Tokyo' },
    app: { name: 'evidence', version: '0.13.0' },
    language: 'en',
    case: { uuid: 'c0ffee00-0000-4000-8000-000000000001', number: 'KH-2026-0142', name: 'Operation Sakura', createdAt: '2026-09-30T05:00:00.000Z', createdBy: 'DS Tanaka' },
    exportedBy: { name: 'DS Tanaka', role: 'admin', badge: 'B-1234', unit: 'Cyber Crime Unit', keyFingerprint: '5f3a9c0d1e2b3c4d', publicKey: 'MCowBQYDK2VwAyEA' + 'A'.repeat(44) },
    officers: [
      { name: 'DS Tanaka', role: 'admin', status: 'active', badge: 'B-1234', unit: 'Cyber Crime Unit', keyFingerprint: '5f3a9c0d1e2b3c4d', keys: [{ fingerprint: '5f3a9c0d1e2b3c4d', since: '2026-09-30T05:00:00.000Z' }] },
      { name: '佐藤 警部補', role: 'examiner', status: 'active', badge: null, unit: null, keyFingerprint: '0123456789abcdef', keys: [{ fingerprint: '0123456789abcdef', since: '2026-10-01T00:00:00.000Z' }] },
    ],
    exhibits: [exhibit(1, 'EXH-001', 'Apple', 'iPhone 13', 'Suspect phone', true), exhibit(2, 'EXH-002', 'Samsung', 'Galaxy S21', 'Laptop <b>bag</b> phone', false)],
    tags: [
      { id: 'target-list', labelEn: 'Target list', labelJa: '標的リスト', colour: '#d9480f' },
      { id: 'scam-manual', labelEn: 'Scam manual', labelJa: '詐欺マニュアル', colour: '#5c940d' },
    ],
    selection: { all: false, tags: ['target-list', 'scam-manual'], exhibits: [], search: null, ids: [], description: 'tags target-list, scam-manual' },
    items,
    skipped: [{ id: 8, path: 'DCIM/<gone>.jpg', reason: 'no stored copy' }],
    summary: { items: items.length, bytes: items.reduce((a, i) => a + i.size, 0), byTag, byMime, byExhibit },
    custody: { file: 'custody.jsonl', lines: 0, fullEvents: 0, withheldEvents: 0 },
    checkpoint: { id: 4, seq: 9, headHash: h('sha256', 'head'), atUtc: '2026-12-01T02:00:01.000Z', officer: 'DS Tanaka', keyFingerprint: '5f3a9c0d1e2b3c4d', receiptCode: '9-5f3a9c0d1e2b3c4d' },
    receipts: null,
  };
  const custody = sampleCustody();
  m.custody.lines = custody.length;
  m.custody.fullEvents = custody.filter((l) => !('withheld' in l)).length;
  m.custody.withheldEvents = custody.length - m.custody.fullEvents;
  return manifestSchema.parse(m);
}

export function sampleCustody(): CustodyLine[] {
  const lines: CustodyLine[] = [];
  let prev = '0'.repeat(64);
  const add = (seq: number, action: string, target: string | null, officer = 'DS Tanaka', reason: string | null = null, details: Record<string, unknown> = {}, withheld = false): void => {
    const hash = h('sha256', `${seq}${prev}`);
    lines.push(
      withheld
        ? { seq, withheld: true, prev_hash: prev, hash }
        : { seq, at_utc: `2026-11-0${Math.min(9, seq)}T01:00:00.000Z`, tz_offset: '+09:00', tz_name: 'Asia/Tokyo', officer, host: 'lab-pc-01', action, target, reason, details, prev_hash: prev, hash },
    );
    prev = hash;
  };
  add(1, 'case.created', null);
  add(2, 'exhibit.recorded', 'exhibit:EXH-001');
  add(3, 'exhibit.recorded', 'exhibit:EXH-002');
  add(4, 'ingest.finished', 'source:1', '佐藤 警部補', null, { source: '/mnt/usb/export-1', files: 2 });
  add(5, 'item.tagged', 'item:1', 'DS Tanaka', 'list of <victims> on photo');
  add(6, 'item.viewed', 'item:99', 'DS Tanaka', null, {}, true);
  add(7, 'items.tagged', null, 'DS Tanaka', null, { tag: 'target-list', items: [4, 5] });
  add(8, 'exhibit.seal-broken', 'exhibit:EXH-002', 'DS Tanaka', 'examination\u202Eevil');
  add(9, 'custody.checkpoint', null);
  return lines;
}
