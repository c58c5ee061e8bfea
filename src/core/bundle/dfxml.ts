// dfxml.xml of a bundle: Digital Forensics XML (https://github.com/dfxml-working-group), the
// file-list format of fiwalk, md5deep/hashdeep and bulk_extractor, so the bundle's files can be
// compared with other tools' listings. One fileobject per exported file, in the element order
// the DFXML schema's sequence requires: filename (the path inside the bundle, which the hashes
// verify), id, name_type, filesize, mtime/ctime/atime/crtime, hashdigest md5/sha1/sha256.
// The device path, tags and custody are in manifest.json and case.jsonld: DFXML has no place
// for them that its schema accepts.
import { visible } from '../../shared/text.ts';
import type { BundleItem, Manifest } from './manifest.ts';

export const DFXML_NS = 'http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML';
export const DFXML_VERSION = '1.2.0';

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Text as XML 1.0 character data: control characters, bidi controls and lone surrogates written
 * as visible escapes (XML 1.0 cannot hold most of them at all), U+FFFE/U+FFFF likewise, then the
 * markup characters escaped.
 */
export function xmlText(s: string): string {
  return visible(s)
    .replace(/[\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)
    .replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

/** xsd:dateTime as DFXML's dftime wants it; null when the value is not one. */
function dftime(s: string | null): string | null {
  if (!s) return null;
  return /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.test(s) ? s : null;
}

function fileobject(it: BundleItem): string {
  const lines = [
    '  <fileobject>',
    `    <filename>${xmlText(it.file)}</filename>`,
    `    <id>${it.id}</id>`,
    '    <name_type>r</name_type>',
    `    <filesize>${it.size}</filesize>`,
  ];
  for (const [tag, v] of [
    ['mtime', it.times.modified],
    ['ctime', it.times.changed],
    ['atime', it.times.accessed],
    ['crtime', it.times.created],
  ] as const) {
    const t = dftime(v);
    if (t) lines.push(`    <${tag}>${t}</${tag}>`);
  }
  lines.push(
    `    <hashdigest type="md5">${xmlText(it.md5)}</hashdigest>`,
    `    <hashdigest type="sha1">${xmlText(it.sha1)}</hashdigest>`,
    `    <hashdigest type="sha256">${xmlText(it.sha256)}</hashdigest>`,
    '  </fileobject>',
  );
  return lines.join('\n');
}

/** Renders dfxml.xml. Pure: the manifest in, one XML text out (UTF-8 when written). */
export function renderDfxml(manifest: Manifest): string {
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<dfxml xmlns="${DFXML_NS}" xmlns:dc="http://purl.org/dc/elements/1.1/" version="${DFXML_VERSION}">`,
    '  <metadata>',
    `    <dc:type>${xmlText(`Evidence bundle ${manifest.bundleId} of case ${manifest.case.number} (${manifest.items.length} files)`)}</dc:type>`,
    '  </metadata>',
    '  <creator>',
    `    <program>${xmlText(manifest.app.name)}</program>`,
    `    <version>${xmlText(manifest.app.version)}</version>`,
    '    <execution_environment>',
    `      <username>${xmlText(manifest.exportedBy.name)}</username>`,
    `      <start_time>${xmlText(manifest.createdAt.utc)}</start_time>`,
    '    </execution_environment>',
    '  </creator>',
    '  <source>',
    ...manifest.exhibits.flatMap((e) => e.sources.map((s) => `    <image_filename>${xmlText(`${e.number}: ${s.rootPath}`)}</image_filename>`)),
    '  </source>',
    ...manifest.items.map(fileobject),
    '</dfxml>',
    '',
  ];
  return out.join('\n');
}
