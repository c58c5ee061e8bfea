// report.html of a bundle (issue 13, "The report"): one self-contained HTML file a prosecutor
// opens offline in any browser. Nothing in it is fetched: the styles are inline, thumbnails are
// data: URIs, the drawings are inline SVG, and a Content-Security-Policy forbids every request
// but data: images, so even a hostile string that slipped through could not load anything. No
// script: a browser with scripts off shows all of it. Printable on A4, one item per page.
//
// Every string that comes from the evidence or the case (file names, paths, EXIF, notes, officer
// names, exhibit descriptions) is untrusted: it passes through `esc`, which shows control and
// bidirectional characters as escapes (shared/text.ts `visible`) and then escapes HTML.
import { visible } from '../../shared/text.ts';
import type { BundleExhibit, BundleItem, CustodyLine, Language, Manifest } from './manifest.ts';
import { type GpsPoint, type TimelinePoint, gpsSvg, timelineSvg } from './reportPlots.ts';
import { type ReportText, fill, reportText } from './reportText.ts';

export interface ReportOptions {
  lang: Language;
  /** Item id -> data: URI of its thumbnail (see thumbnails.ts). Items without one show a note. */
  thumbnails?: Map<number, string>;
}

type FullEvent = Extract<CustodyLine, { action: string }>;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Untrusted text as HTML text or attribute value: controls and bidi shown as escapes, then HTML-escaped. */
export function esc(s: string | number | null | undefined): string {
  if (s === null || s === undefined) return '';
  return visible(String(s)).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Only a base64 image data: URI of a raster type may become an <img src>. */
const DATA_URI = /^data:image\/(?:webp|png|jpeg|gif);base64,[A-Za-z0-9+/]+={0,2}$/;

export function isSafeImageDataUri(s: string): boolean {
  return DATA_URI.test(s);
}

/** "2026-11-29 01:30:00 UTC" from an ISO instant; the text itself (escaped later) when it is not one. */
export function utcText(iso: string | null): string | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  if (Number.isNaN(t) || !/(Z|[+-]\d{2}:?\d{2})$/i.test(iso)) return iso;
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Local wall-clock time from a UTC instant and the offset recorded with it: "2026-11-29 08:30:00 +07:00". */
export function localText(atUtc: string, offset: string): string {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  const t = Date.parse(atUtc);
  if (Number.isNaN(t)) return atUtc;
  const minutes = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  return `${new Date(t + minutes * 60_000).toISOString().slice(0, 19).replace('T', ' ')} ${m ? offset : '+00:00'}`;
}

function bytesText(n: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u < 0 ? `${n}` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

/** A taken-at time as recorded: with its offset when the file gave one, else flagged as zoneless. */
function photoTime(s: string, T: ReportText): string {
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(s);
  return zoned ? esc(s) : `${esc(s)} <span class="muted">(${esc(T.noZone)})</span>`;
}

function instantOf(s: string | null): { t: number; zoneless: boolean } | null {
  if (!s) return null;
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(s);
  const t = Date.parse(zoned ? s : `${s}Z`);
  return Number.isNaN(t) ? null : { t, zoneless: !zoned };
}

const isFull = (l: CustodyLine): l is FullEvent => !('withheld' in l);

/** Renders report.html. Pure: the manifest and the custody excerpt in, one HTML string out. */
export function renderReport(manifest: Manifest, custody: CustodyLine[], opts: ReportOptions): string {
  const T = reportText(opts.lang);
  const thumbs = opts.thumbnails ?? new Map<number, string>();
  const events = custody.filter(isFull);
  const withheld = custody.length - events.length;
  const tagLabel = (id: string): string => {
    const def = manifest.tags.find((t) => t.id === id);
    if (!def) return id;
    return opts.lang === 'ja' && def.labelJa ? def.labelJa : def.labelEn;
  };
  const tagColour = (id: string): string => {
    const c = manifest.tags.find((t) => t.id === id)?.colour ?? '';
    return /^#[0-9a-fA-F]{3,8}$/.test(c) ? c : '#777777';
  };
  const actionText = (a: string): string => T.actions[a] ?? a;
  const val = (v: string | number | null | undefined): string =>
    v === null || v === undefined || v === '' ? `<span class="muted">${esc(T.notRecorded)}</span>` : esc(v);
  const row = (label: string, html: string): string => `<tr><th>${esc(label)}</th><td>${html}</td></tr>`;
  const table = (rows: string[], cls = 'facts'): string => `<table class="${cls}">${rows.join('')}</table>`;

  const out: string[] = [];
  out.push(
    '<!DOCTYPE html>',
    `<html lang="${T.htmlLang}">`,
    '<head>',
    '<meta charset="utf-8">',
    // The policy is the guarantee behind "no request outside the file": images only from data:,
    // styles only inline, nothing else at all (no scripts, fonts, frames, forms or connections).
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(T.title)}: ${esc(manifest.case.number)} ${esc(manifest.case.name)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
  );

  // --- Case and bundle -------------------------------------------------------------------------
  const ex = manifest.exportedBy;
  const cp = manifest.checkpoint;
  out.push(
    '<header class="cover">',
    `<h1>${esc(T.title)}</h1>`,
    `<p class="subtitle">${esc(T.subtitle)}</p>`,
    `<p class="case-title">${esc(manifest.case.number)} <span class="case-name">${esc(manifest.case.name)}</span></p>`,
    `<p class="notice">${esc(T.verifyFirst)}</p>`,
    '</header>',
    `<nav class="toc"><h2>${esc(T.contents)}</h2><ol>`,
    ...(
      [
        ['case', T.caseSection],
        ['officers', T.officers],
        ['exhibits', T.exhibits],
        ['summary', T.summary],
        ['timeline', T.timeline],
        ['gps', T.gps],
        ['items', T.itemsSection],
        ['custody', T.custody],
        ['verify', T.verify],
      ] as const
    ).map(([id, label]) => `<li><a href="#${id}">${esc(label)}</a></li>`),
    '</ol></nav>',
    `<section id="case"><h2>${esc(T.caseSection)}</h2>`,
    table([
      row(T.caseNumber, esc(manifest.case.number)),
      row(T.caseName, esc(manifest.case.name)),
      row(T.caseCreated, `${esc(utcText(manifest.case.createdAt))}, ${esc(manifest.case.createdBy)}`),
      row(T.bundleId, `<code>${esc(manifest.bundleId)}</code>`),
      row(
        T.madeAt,
        `${esc(localText(manifest.createdAt.utc, manifest.createdAt.offset))} ${esc(manifest.createdAt.zone)} <span class="muted">(${esc(utcText(manifest.createdAt.utc))})</span>`,
      ),
      row(T.madeWith, `${esc(manifest.app.name)} ${esc(manifest.app.version)}`),
      row(
        T.exportedBy,
        `${esc(ex.name)} (${esc(T.roles[ex.role] ?? ex.role)}${ex.badge ? `, ${esc(ex.badge)}` : ''}${ex.unit ? `, ${esc(ex.unit)}` : ''})`,
      ),
      row(T.keyFingerprint, `<code class="fp">${esc(ex.keyFingerprint)}</code><br><span class="muted">${esc(T.keyCompare)}</span>`),
      row(T.selection, selectionHtml(manifest.selection, T, tagLabel)),
      row(
        T.checkpoint,
        esc(fill(T.checkpointLine, { id: cp.id, seq: cp.seq, officer: cp.officer, at: utcText(cp.atUtc) ?? cp.atUtc })) +
          `<br><code class="hash">${esc(cp.headHash)}</code>`,
      ),
      row(T.receiptCode, `<code class="fp">${esc(cp.receiptCode)}</code>`),
      row(T.receipts, manifest.receipts ? `${esc(manifest.receipts.file)} (${manifest.receipts.count})` : `<span class="muted">${esc(T.receiptsNone)}</span>`),
    ]),
    '</section>',
  );

  // --- Officers ----------------------------------------------------------------------------------
  out.push(
    `<section id="officers"><h2>${esc(T.officers)}</h2>`,
    `<table class="list"><thead><tr><th>${esc(T.name)}</th><th>${esc(T.role)}</th><th>${esc(T.badge)}</th><th>${esc(T.unit)}</th><th>${esc(T.status)}</th><th>${esc(T.keys)}</th></tr></thead><tbody>`,
    ...manifest.officers.map(
      (o) =>
        `<tr><td>${esc(o.name)}</td><td>${esc(T.roles[o.role] ?? o.role)}</td><td>${val(o.badge)}</td><td>${val(o.unit)}</td><td>${esc(T.statuses[o.status] ?? o.status)}</td><td>${
          o.keys.length ? o.keys.map((k) => `<code class="fp">${esc(k.fingerprint)}</code> <span class="muted">(${esc(utcText(k.since))})</span>`).join('<br>') : val(o.keyFingerprint)
        }</td></tr>`,
    ),
    '</tbody></table></section>',
  );

  // --- Exhibits ----------------------------------------------------------------------------------
  out.push(`<section id="exhibits"><h2>${esc(T.exhibits)}</h2>`);
  for (const e of manifest.exhibits) out.push(exhibitHtml(e, T, row, table, val));
  out.push('</section>');

  // Items the selection named that the bundle does not hold (a later manifest field; absent before).
  const skipped = (manifest as { skipped?: { id: number; path: string; reason: string }[] }).skipped ?? [];
  // --- Summary ----------------------------------------------------------------------------------
  const countTable = (title: string, entries: [string, number][], label: (k: string) => string, swatch?: (k: string) => string): string =>
    `<div class="count-table"><h3>${esc(title)}</h3><table class="list"><tbody>${entries
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(
        ([k, n]) =>
          `<tr><td>${swatch ? `<span class="swatch" style="background:${swatch(k)}"></span>` : ''}${esc(label(k))}</td><td class="num">${n}</td></tr>`,
      )
      .join('')}</tbody></table></div>`;
  out.push(
    `<section id="summary"><h2>${esc(T.summary)}</h2>`,
    table([
      row(T.itemsCount, String(manifest.summary.items)),
      ...(skipped.length
        ? [row(T.skipped, skipped.map((s) => `${s.id} <code>${esc(s.path)}</code>: ${esc(s.reason)}`).join('<br>'))]
        : []),
      row(T.totalSize, `${esc(bytesText(manifest.summary.bytes))} (${manifest.summary.bytes} ${esc(T.bytes)})`),
    ]),
    '<div class="counts">',
    countTable(T.byTag, Object.entries(manifest.summary.byTag), tagLabel, tagColour),
    countTable(T.byType, Object.entries(manifest.summary.byMime), (k) => k),
    countTable(T.byExhibit, Object.entries(manifest.summary.byExhibit), (k) => k),
    '</div></section>',
  );

  // --- Timeline and GPS --------------------------------------------------------------------------
  const timeline: TimelinePoint[] = [];
  const gps: GpsPoint[] = [];
  for (const it of manifest.items) {
    const when = instantOf(it.metadata?.takenAt ?? null) ?? instantOf(it.times.modified);
    if (when) timeline.push({ id: it.id, t: when.t, zoneless: when.zoneless, lane: it.exhibit ?? '', title: `${it.id} ${it.name}` });
    const g = it.metadata?.gps;
    if (g && Number.isFinite(g.lat) && Number.isFinite(g.lon) && Math.abs(g.lat) <= 90 && Math.abs(g.lon) <= 180) {
      gps.push({ id: it.id, lat: g.lat, lon: g.lon, title: `${it.id} ${it.name}: ${g.lat.toFixed(6)}, ${g.lon.toFixed(6)}` });
    }
  }
  out.push(
    `<section id="timeline" class="drawing"><h2>${esc(T.timeline)}</h2>`,
    timeline.length ? `<p class="muted">${esc(T.timelineNote)}</p>${timelineSvg(timeline, esc, (l) => l || T.noExhibit)}` : `<p>${esc(T.timelineNone)}</p>`,
    '</section>',
    `<section id="gps" class="drawing"><h2>${esc(T.gps)}</h2>`,
    gps.length ? `<p class="muted">${esc(T.gpsNote)}</p>${gpsSvg(gps, esc, { latitude: T.latitude, longitude: T.longitude })}` : `<p>${esc(T.gpsNone)}</p>`,
    '</section>',
  );

  // --- Items ------------------------------------------------------------------------------------
  out.push(`<section id="items"><h2>${esc(T.itemsSection)}</h2>`);
  for (const it of manifest.items) {
    const own = events.filter((e) => e.target === `item:${it.id}` || (e.action === 'items.tagged' || e.action === 'items.untagged' ? listsItem(e, it.id) : false));
    out.push(itemHtml(it, own, thumbs.get(it.id), T, { row, table, val, tagLabel, tagColour, actionText }));
  }
  out.push('</section>');

  // --- Custody -----------------------------------------------------------------------------------
  out.push(
    `<section id="custody" class="custody"><h2>${esc(T.custody)}</h2>`,
    `<p class="muted">${esc(fill(T.custodyNote, { withheld }))}</p>`,
    custodyTable(events, T, actionText),
    '</section>',
  );

  // --- How to verify -----------------------------------------------------------------------------
  out.push(
    `<section id="verify" class="verify"><h2>${esc(T.verify)}</h2>`,
    `<p>${esc(T.verifyIntro)}</p><ol>`,
    ...T.verifySteps.map(([what, cmd, expect]) => `<li><p>${esc(what)}</p><pre>${esc(cmd)}</pre><p class="muted">${esc(expect)}</p></li>`),
    '</ol>',
    `<p>${esc(T.keyFingerprint)}: <code class="fp">${esc(ex.keyFingerprint)}</code> · ${esc(T.receiptCode)}: <code class="fp">${esc(cp.receiptCode)}</code></p>`,
    `<p class="outro">${esc(T.verifyOutro)}</p>`,
    '</section>',
    `<footer>${esc(fill(T.footer, { app: manifest.app.name, version: manifest.app.version }))}</footer>`,
    '</body></html>',
  );
  return out.join('\n');
}

/** What was exported, in the report's language, from the selection's parts (the manifest's own words are English). */
function selectionHtml(sel: Manifest['selection'], T: ReportText, tagLabel: (id: string) => string): string {
  const parts: string[] = [];
  if (sel.all) parts.push(esc(T.selAll));
  if (sel.tags.length) parts.push(`${esc(T.selTags)}: ${sel.tags.map((t) => `${esc(tagLabel(t))} <span class="muted">(${esc(t)})</span>`).join(esc(T.listSep))}`);
  if (sel.exhibits.length) parts.push(`${esc(T.selExhibits)}: ${sel.exhibits.map(esc).join(esc(T.listSep))}`);
  if (sel.search) parts.push(`${esc(T.selSearch)}: “${esc(sel.search)}”`);
  if (sel.ids.length) parts.push(`${esc(T.selIds)}: ${sel.ids.join(', ')}`);
  return parts.length ? parts.join('<br>') : esc(sel.description);
}

/** A summary tag event lists its items in details.items (or ids). */
function listsItem(e: FullEvent, id: number): boolean {
  const d = e.details as Record<string, unknown>;
  const list = Array.isArray(d.items) ? d.items : Array.isArray(d.ids) ? d.ids : null;
  return list !== null && list.includes(id);
}

type Row = (label: string, html: string) => string;
type Table = (rows: string[], cls?: string) => string;
type Val = (v: string | number | null | undefined) => string;

function exhibitHtml(e: BundleExhibit, T: ReportText, row: Row, table: Table, val: Val): string {
  const seal = e.seal.number
    ? `${esc(e.seal.number)} <span class="${e.seal.sealed ? 'ok' : 'bad'}">${esc(e.seal.sealed ? T.sealed : T.sealBroken)}</span>`
    : `<span class="muted">${esc(T.noSeal)}</span>`;
  const device = [e.device.make, e.device.model].filter(Boolean).join(' ');
  const sources = e.sources.length
    ? `<ul>${e.sources
        .map(
          (s) =>
            `<li>${esc(
              fill(T.sourceLine, {
                kind: s.kind,
                path: s.rootPath,
                officer: s.officer,
                started: utcText(s.startedAt) ?? s.startedAt,
                finished: utcText(s.finishedAt) ?? '—',
                status: s.status,
              }),
            )}</li>`,
        )
        .join('')}</ul>`
    : val(null);
  return (
    `<div class="exhibit"><h3>${esc(T.exhibit)} ${esc(e.number)}</h3>` +
    table([
      row(T.description, val(e.description)),
      row(T.seal, seal),
      row(T.device, val(device)),
      row(T.serial, val(e.device.serial)),
      row(T.imei, val(e.device.imei)),
      row(T.condition, val(e.condition)),
      row(T.seizedBy, val(e.seizedBy)),
      row(T.seizedAt, val(e.seizedAt)),
      row(T.seizedWhere, val(e.seizedWhere)),
      row(T.custodian, val(e.custodian)),
      row(T.recordedBy, `${esc(utcText(e.createdAt))}, ${esc(e.createdBy)}`),
      row(T.sources, sources),
    ]) +
    '</div>'
  );
}

interface ItemHelpers {
  row: Row;
  table: Table;
  val: Val;
  tagLabel: (id: string) => string;
  tagColour: (id: string) => string;
  actionText: (a: string) => string;
}

/** How many metadata fields are printed per item (all are in manifest.json). */
const MAX_FIELDS = 24;

/** Fields a reader looks for first (who made the picture, with what, when, where); the rest follow. */
const KEY_FIELDS = /^(make|model|software|hostcomputer|lensmodel|serialnumber|bodyserialnumber|artist|copyright|imagedescription|usercomment|datetimeoriginal|createdate|modifydate|offsettime\w*|gps\w*|latitude|longitude|width|height|orientation)$/i;

function orderFields(fields: [string, unknown][]): [string, unknown][] {
  const key = (k: string): boolean => KEY_FIELDS.test(k.slice(k.lastIndexOf('.') + 1));
  return [...fields.filter(([k]) => key(k)), ...fields.filter(([k]) => !key(k))];
}

/** Metadata fields as "exif.Make" = "NIKON": nested groups (exif, gps, xmp...) opened one level or two. */
function flatFields(o: Record<string, unknown>, prefix = '', depth = 0): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v) && depth < 2) out.push(...flatFields(v as Record<string, unknown>, key, depth + 1));
    else out.push([key, v]);
  }
  return out;
}

function fieldValue(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  return s.length > 160 ? `${s.slice(0, 160)}…` : s;
}

function evidenceHtml(evidence: unknown, T: ReportText): string {
  if (!evidence || typeof evidence !== 'object') return esc(fieldValue(evidence));
  const e = evidence as { summary?: unknown; rule?: { description?: unknown }; metrics?: unknown; samples?: unknown; truncated?: unknown };
  const parts: string[] = [];
  if (typeof e.summary === 'string') parts.push(`<p>${esc(e.summary)}</p>`);
  if (e.rule && typeof e.rule.description === 'string') parts.push(`<p class="muted">${esc(T.rule)}: ${esc(e.rule.description)}</p>`);
  if (e.metrics && typeof e.metrics === 'object') {
    const m = Object.entries(e.metrics as Record<string, unknown>).map(([k, v]) => `${esc(k)} = ${esc(fieldValue(v))}`);
    if (m.length) parts.push(`<p class="metrics">${m.join(' · ')}</p>`);
  }
  if (e.samples && typeof e.samples === 'object') {
    for (const [k, list] of Object.entries(e.samples as Record<string, unknown>)) {
      if (!Array.isArray(list) || list.length === 0) continue;
      parts.push(`<p><span class="muted">${esc(k)}:</span> ${list.slice(0, 12).map((s) => `<code>${esc(fieldValue(s))}</code>`).join(' ')}${list.length > 12 || e.truncated === true ? ' …' : ''}</p>`);
    }
  }
  return parts.length ? parts.join('') : esc(fieldValue(evidence));
}

function itemHtml(it: BundleItem, own: FullEvent[], thumb: string | undefined, T: ReportText, h: ItemHelpers): string {
  const { row, table, val } = h;
  const rowClass = (cls: string, label: string, html: string): string => `<tr class="${cls}"><th>${esc(label)}</th><td>${html}</td></tr>`;
  const img =
    thumb && isSafeImageDataUri(thumb)
      ? `<img class="thumb" src="${thumb}" alt="${esc(it.name)}">`
      : `<div class="no-thumb">${esc(T.noThumbnail)}</div>`;
  const type = [
    val(it.mime),
    it.detectedExt ? ` <span class="muted">(${esc(fill(T.detectedExt, { ext: it.detectedExt }))})</span>` : '',
    it.extMismatch ? ` <span class="bad">${esc(T.extMismatch)}</span>` : '',
  ].join('');
  const hashes = `<table class="hashes"><tr><th>MD5</th><td><code>${esc(it.md5)}</code></td></tr><tr><th>SHA-1</th><td><code>${esc(it.sha1)}</code></td></tr><tr><th>SHA-256</th><td><code class="sha256">${esc(it.sha256)}</code></td></tr></table>`;
  const reported = it.reportedHashes && Object.keys(it.reportedHashes).length
    ? Object.entries(it.reportedHashes).map(([k, v]) => `${esc(k)}: <code>${esc(v)}</code>`).join('<br>')
    : null;
  const times = [
    [T.modified, it.times.modified],
    [T.changed, it.times.changed],
    [T.accessed, it.times.accessed],
    [T.created, it.times.created],
  ]
    .map(([k, v]) => `${esc(k)}: ${val(utcText(v ?? null))}`)
    .join('<br>');
  const rows = [
    row(T.fileInBundle, `<code>${esc(it.file)}</code>`),
    row(T.fileName, esc(it.name)),
    row(T.devicePath, `<code>${esc(it.devicePath)}</code>`),
    ...(it.foundAt && it.foundAt !== it.devicePath ? [row(T.foundAt, `<code>${esc(it.foundAt)}</code>`)] : []),
    row(T.exhibit, it.exhibit ? esc(it.exhibit) : `<span class="muted">${esc(T.noExhibit)}</span>`),
    row(T.size, `${esc(bytesText(it.size))} (${it.size} ${esc(T.bytes)})`),
    row(T.type, type),
    row(T.hashes, hashes),
    ...(reported ? [row(T.reportedHashes, reported)] : []),
    row(T.times, `${times}<br><span class="muted">${esc(T.timesFrom)}: ${esc(it.times.from)}</span>`),
  ];
  const md = it.metadata;
  if (md) {
    const photo: string[] = [];
    if (md.takenAt) photo.push(row(T.takenAt, photoTime(md.takenAt, T)));
    if (md.gps) {
      photo.push(
        row(
          T.gpsPosition,
          `${md.gps.lat.toFixed(6)}, ${md.gps.lon.toFixed(6)}${md.gps.alt !== null ? ` <span class="muted">(${esc(fill(T.altitude, { alt: md.gps.alt.toFixed(1) }))})</span>` : ''}`,
        ),
      );
    }
    const camera = [md.make, md.model].filter(Boolean).join(' ');
    if (camera) photo.push(row(T.camera, esc(camera)));
    if (md.error) photo.push(row(T.metadataError, `<span class="bad">${esc(md.error)}</span>`));
    const fields = md.fields ? orderFields(flatFields(md.fields)) : [];
    if (fields.length) {
      const shown = fields.slice(0, MAX_FIELDS).map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(fieldValue(v))}</td></tr>`);
      photo.push(
        rowClass(
          'fields-row',
          fill(T.allFields, { n: fields.length }),
          `<table class="fields">${shown.join('')}</table>${fields.length > MAX_FIELDS ? `<span class="muted">${esc(fill(T.moreFields, { n: fields.length - MAX_FIELDS }))}</span>` : ''}`,
        ),
      );
    }
    if (photo.length) rows.push(`<tr class="group"><th colspan="2">${esc(T.photo)}</th></tr>`, ...photo);
  }
  rows.push(
    row(
      T.tags,
      it.tags.length
        ? it.tags
            .map(
              (t) =>
                `<span class="tag" style="border-color:${h.tagColour(t.tag)}">${esc(h.tagLabel(t.tag))}</span> <span class="muted">${esc(
                  fill(T.taggedBy, { officer: t.officer, at: utcText(t.at) ?? t.at }),
                )}</span>${t.comment ? `: ${esc(t.comment)}` : ''}`,
            )
            .join('<br>')
        : `<span class="muted">${esc(T.none)}</span>`,
    ),
    row(
      T.notes,
      it.notes.length
        ? it.notes
            .map(
              (n) =>
                `<div class="note${n.removed ? ' removed' : ''}"><div class="note-head">${esc(n.officer)}, ${esc(utcText(n.at))}</div><div class="note-text">${n.text.split(/\r?\n/).map(esc).join('<br>')}</div>${
                  n.removed ? `<div class="bad">${esc(fill(T.noteRemoved, { at: utcText(n.removed.at) ?? n.removed.at, by: n.removed.by, reason: n.removed.reason ?? '—' }))}</div>` : ''
                }</div>`,
            )
            .join('')
        : `<span class="muted">${esc(T.none)}</span>`,
    ),
  );
  if (it.acceptedSuggestions.length) {
    rows.push(
      row(
        T.suggestions,
        it.acceptedSuggestions
          .map(
            (s) =>
              `<div class="suggestion"><span class="tag" style="border-color:${h.tagColour(s.tag)}">${esc(h.tagLabel(s.tag))}</span> ${esc(T.rule)} <code>${esc(s.rule)}</code>, ${esc(T.score)} ${esc(
                s.score.toFixed(2),
              )}${s.decidedBy ? ` <span class="muted">(${esc(fill(T.acceptedBy, { officer: s.decidedBy, at: utcText(s.decidedAt) ?? '' }))})</span>` : ''}${s.comment ? `: ${esc(s.comment)}` : ''}<div class="evidence"><span class="muted">${esc(T.evidence)}:</span>${evidenceHtml(s.evidence, T)}</div></div>`,
          )
          .join(''),
      ),
    );
  }
  if (it.hashMatches.length) {
    rows.push(
      row(
        T.hashMatches,
        it.hashMatches
          .map((m) => `<span class="${m.kind === 'bad' ? 'bad' : ''}">${esc(fill(T.hashMatchLine, { set: m.set, kind: T.hashKinds[m.kind] ?? m.kind, algo: m.algo }))}</span>`)
          .join('<br>'),
      ),
    );
  }
  if (it.text) rows.push(row(T.textIndex, esc(fill(T.textLine, { kind: it.text.kind, chars: it.text.chars, encoding: it.text.encoding ?? '—' }))));
  rows.push(
    row(
      T.itemCustody,
      own.length
        ? `<ul class="events">${own
            .map((e) => `<li>#${e.seq} ${esc(localText(e.at_utc, e.tz_offset))} ${esc(e.tz_name)}: ${esc(h.actionText(e.action))}, ${esc(e.officer)}${e.reason ? `: ${esc(e.reason)}` : ''}</li>`)
            .join('')}</ul>`
        : `<span class="muted">${esc(T.none)}</span>`,
    ),
  );
  return (
    `<article class="item" id="item-${it.id}">` +
    `<h3>${esc(T.item)} ${it.id}: <span class="item-name">${esc(it.name)}</span></h3>` +
    `<div class="item-body"><div class="thumb-box">${img}</div>${table(rows)}</div>` +
    '</article>'
  );
}

function custodyTable(events: FullEvent[], T: ReportText, actionText: (a: string) => string): string {
  return (
    '<table class="list custody-table"><colgroup><col style="width:5%"><col style="width:15%"><col style="width:14%"><col style="width:22%"><col style="width:17%"><col style="width:9%"><col style="width:18%"></colgroup>' +
    `<thead><tr><th>${esc(T.seq)}</th><th>${esc(T.time)}</th><th>${esc(T.officer)}</th><th>${esc(T.action)}</th><th>${esc(T.target)}</th><th>${esc(T.host)}</th><th>${esc(T.eventHash)}</th></tr></thead><tbody>` +
    events
      .map(
        (e) =>
          `<tr><td class="num">${e.seq}</td><td>${esc(localText(e.at_utc, e.tz_offset))}<br><span class="muted">${esc(e.tz_name)}</span></td><td>${esc(e.officer)}</td><td>${esc(actionText(e.action))}${
            e.reason ? `<br><span class="muted">${esc(T.reason)}: ${esc(e.reason)}</span>` : ''
          }</td><td>${esc(e.target ?? '')}</td><td>${esc(e.host)}</td><td><code class="hash">${esc(e.hash)}</code></td></tr>`,
      )
      .join('') +
    '</tbody></table>'
  );
}

// Fonts: the report embeds none (a CJK font is several megabytes); it names the Japanese fonts of
// Windows, macOS and common Linux installs, so Japanese text shows with whichever one is there.
const FONT_STACK =
  "system-ui, -apple-system, 'Segoe UI', 'Hiragino Sans', 'Hiragino Kaku Gothic ProN', 'Yu Gothic UI', 'Yu Gothic', YuGothic, Meiryo, 'Noto Sans CJK JP', 'Noto Sans JP', 'IPAexGothic', 'IPAGothic', 'TakaoGothic', 'Droid Sans Fallback', Arial, sans-serif";
const MONO_STACK = "ui-monospace, 'SF Mono', Menlo, Consolas, 'DejaVu Sans Mono', 'Noto Sans Mono CJK JP', 'IPAGothic', monospace";

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: ${FONT_STACK}; font-size: 14px; line-height: 1.45; color: #1a1a1a; background: #fff; margin: 0 auto; max-width: 1000px; padding: 24px 32px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; border-bottom: 2px solid #1f3b5c; padding-bottom: 3px; margin: 28px 0 10px; color: #1f3b5c; }
h3 { font-size: 16px; margin: 18px 0 8px; }
code, pre { font-family: ${MONO_STACK}; font-size: 12.5px; }
code { overflow-wrap: anywhere; word-break: break-all; }
pre { background: #f3f5f8; border: 1px solid #d5dbe3; padding: 8px 10px; white-space: pre-wrap; }
.cover { border-bottom: 3px solid #1f3b5c; padding-bottom: 12px; }
.subtitle { color: #555; margin: 0; }
.case-title { font-size: 20px; font-weight: 600; margin: 10px 0 6px; }
.case-name { font-weight: 400; }
.notice { background: #fff6da; border-left: 4px solid #c99a00; padding: 6px 10px; margin: 8px 0 0; }
.toc ol { columns: 2; margin: 0; }
.toc a { color: #1f3b5c; }
.muted { color: #666; }
.ok { color: #1e6b2a; font-weight: 600; }
.bad { color: #b00020; font-weight: 600; }
table { border-collapse: collapse; width: 100%; }
table.facts > tbody > tr > th, table.facts > tr > th { text-align: left; vertical-align: top; width: 190px; padding: 4px 10px 4px 0; color: #333; font-weight: 600; }
table.facts > tbody > tr > td, table.facts > tr > td { padding: 4px 0; vertical-align: top; overflow-wrap: anywhere; }
table.facts tr { border-bottom: 1px solid #e6e9ee; }
table.facts tr.group th { padding-top: 10px; color: #1f3b5c; }
table.list th, table.list td { border: 1px solid #d5dbe3; padding: 4px 6px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
table.list thead th { background: #eef2f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.hashes { table-layout: fixed; }
table.hashes th { white-space: nowrap; text-align: left; width: 72px; font-weight: 600; padding: 1px 8px 1px 0; vertical-align: top; }
table.hashes td { padding: 1px 0; }
table.fields td { border-bottom: 1px dotted #ddd; padding: 1px 6px 1px 0; font-size: 12px; vertical-align: top; overflow-wrap: anywhere; }
table.fields td:first-child { color: #555; width: 180px; }
.fp { font-weight: 600; letter-spacing: 0.02em; }
.hash { font-size: 11px; }
.exhibit { border: 1px solid #d5dbe3; border-radius: 4px; padding: 4px 12px 10px; margin-bottom: 12px; break-inside: avoid; }
.counts { display: flex; flex-wrap: wrap; gap: 16px; }
.count-table { flex: 1 1 250px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
.tag { display: inline-block; border: 2px solid #777; border-radius: 10px; padding: 0 8px; font-size: 12.5px; font-weight: 600; }
.plot { max-width: 100%; height: auto; border: 1px solid #d5dbe3; background: #fcfdff; }
.plot .grid { stroke: #dfe5ec; stroke-width: 1; }
.plot .axis, .plot .frame { stroke: #6b7a8c; stroke-width: 1; fill: none; }
.plot .lane { stroke: #c3ccd8; stroke-width: 1; stroke-dasharray: 3 3; }
.plot text { font-family: ${FONT_STACK}; fill: #333; }
.plot .tick { font-size: 10.5px; fill: #555; }
.plot .lane-label, .plot .axis-label { font-size: 12px; font-weight: 600; }
.plot .pt { font-size: 10px; font-weight: 600; }
.plot .pt-dot { fill: #b5471b; stroke: #fff; stroke-width: 1.5; }
.item { border-top: 2px solid #1f3b5c; padding-top: 4px; margin-top: 22px; }
.item h3 { margin-top: 6px; }
.item-name { font-weight: 400; overflow-wrap: anywhere; }
.item-body { display: flex; gap: 16px; align-items: flex-start; }
.item-body > table { flex: 1; min-width: 0; table-layout: fixed; }
.thumb-box { flex: 0 0 200px; }
.thumb { max-width: 200px; max-height: 200px; border: 1px solid #ccc; display: block; }
.no-thumb { width: 200px; height: 120px; border: 1px dashed #bbb; color: #777; font-size: 12px; padding: 10px; display: flex; align-items: center; text-align: center; }
.note { border-left: 3px solid #9fb3c8; padding: 2px 8px; margin: 4px 0; }
.note.removed { border-left-color: #b00020; }
.note.removed .note-text { text-decoration: line-through; }
.note-head { font-size: 12px; color: #555; }
.suggestion { margin: 4px 0 8px; }
.evidence { margin: 4px 0 0 10px; font-size: 12.5px; }
.evidence p { margin: 2px 0; }
.events { margin: 0; padding-left: 18px; font-size: 12.5px; }
.custody-table { font-size: 12px; table-layout: fixed; }
.custody-table .hash { font-size: 10px; }
.verify li { margin-bottom: 10px; }
.verify li p { margin: 2px 0; }
.outro { border-left: 4px solid #1f3b5c; padding: 4px 10px; background: #f3f5f8; }
footer { margin-top: 30px; font-size: 12px; color: #666; border-top: 1px solid #ccc; padding-top: 6px; }
@page { size: A4; margin: 14mm 12mm 16mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  a { color: inherit; text-decoration: none; }
  .toc { display: none; }
  /* Each item starts its own page; the section title alone would be left at the foot of the page before. */
  #items > h2 { display: none; }
  h2 { break-after: avoid; }
  #timeline, #custody, #verify { break-before: page; }
  #officers, #summary, .exhibit { break-inside: avoid; }
  #gps { break-inside: avoid; }
  .item { break-before: page; page-break-before: always; border-top: none; margin-top: 0; }
  .thumb-box { flex: 0 0 45mm; }
  .thumb { max-width: 45mm; max-height: 45mm; }
  .no-thumb { width: 45mm; }
  .item table.facts > tbody > tr > th, .item table.facts > tr > th { width: 30mm; }
  table.facts tr, table.list tr, .note, .suggestion, .exhibit { break-inside: avoid; }
  table.facts tr.fields-row { break-inside: auto; }
  table.fields td { font-size: 8pt; }
  .plot { border: 1px solid #999; }
  pre { white-space: pre-wrap; }
}
`;
