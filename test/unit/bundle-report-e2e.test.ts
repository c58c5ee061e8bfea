// report.html of a real export: real photos ingested, tagged and exported through the service;
// the report embeds their thumbnails, names every file with its SHA-256, and the commands it
// tells the prosecutor to run (its <pre> blocks) pass on the bundle with the real Debian tools.
// case.jsonld and dfxml.xml of the same bundle hold every file and its SHA-256.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Manifest } from '../../src/core/bundle/manifest.ts';
import { hasTool, newCase, samplesOrSkip, tempDir, exhibitIn } from './helpers.ts';

const unescapeHtml = (s: string): string =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

test('a real bundle: the report shows every file, and the commands it gives pass with the real tools', async (t) => {
  const samples = samplesOrSkip(t, 'exif/jpg');
  if (!samples) return;
  const tc = newCase(t);
  const src = join(tempDir(t), 'phone');
  mkdirSync(src);
  copyFileSync(join(samples, 'gps', 'DSCN0010.jpg'), join(src, 'DSCN0010.jpg'));
  copyFileSync(join(samples, 'Canon_40D.jpg'), join(src, '<b>x<i>.jpg'));
  writeFileSync(join(src, 'リスト.txt'), '090-1234-5678 山田\n');
  await tc.service.ingest({ session: tc.session, sourcePath: src, exhibit: exhibitIn(tc.service, tc.session, 'EXH-001'), workers: 1 });
  const { items } = tc.service.listItems({ casePath: tc.casePath, kind: 'file', limit: 100 });
  tc.service.tagItems({ session: tc.session, tag: 'target-list', ids: items.map((i) => i.id) });
  const out = join(tempDir(t), 'bundle');
  await tc.service.exportBundle({ session: tc.session, selection: { tags: ['target-list'] }, out, lang: 'ja' });

  const html = readFileSync(join(out, 'report.html'), 'utf8');
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
  assert.equal(manifest.items.length, 3);
  assert.match(html, /<html lang="ja">/);
  for (const it of manifest.items) assert.ok(html.includes(it.sha256), `report: ${it.name}`);
  assert.equal((html.match(/<img class="thumb" src="data:image\/webp;base64,/g) ?? []).length, 2, 'the two photos have thumbnails');
  assert.ok(html.includes('&lt;b&gt;x&lt;i&gt;.jpg') && !html.includes('<b>x<i>'));
  assert.match(html, /<svg class="plot gps"/, 'DSCN0010 has GPS');

  const jsonld = readFileSync(join(out, 'case.jsonld'), 'utf8');
  const dfxml = readFileSync(join(out, 'dfxml.xml'), 'utf8');
  for (const it of manifest.items) {
    assert.ok(jsonld.includes(`"@value": "${it.sha256}"`), `case.jsonld: ${it.name}`);
    assert.ok(dfxml.includes(`<hashdigest type="sha256">${it.sha256}</hashdigest>`), `dfxml.xml: ${it.name}`);
  }

  // The commands in the report's verification steps, run in the bundle folder.
  const commands = [...html.matchAll(/<pre>([^<]*)<\/pre>/g)].map((m) => unescapeHtml(m[1]!));
  assert.ok(commands.length >= 4, commands.join(' | '));
  const expect: [string, RegExp][] = [
    ['sha256sum', /: OK$/m],
    ['hashdeep', /hashdeep: Audit passed/],
    ['openssl pkeyutl', /Signature Verified Successfully/],
    ['openssl pkey ', new RegExp(`^${manifest.exportedBy.keyFingerprint}`)],
  ];
  for (const [prefix, ok] of expect) {
    const cmd = commands.find((c) => c.startsWith(prefix));
    assert.ok(cmd, `the report gives a ${prefix} command`);
    const tool = prefix.split(' ')[0]!;
    if (!hasTool(tool)) {
      t.diagnostic(`${tool} not installed: "${cmd}" not run`);
      continue;
    }
    const r = spawnSync('sh', ['-c', cmd], { cwd: out, encoding: 'utf8' });
    assert.equal(r.status, 0, `${cmd}: ${r.stderr}${r.stdout}`);
    assert.match(`${r.stdout}${r.stderr}`, ok, cmd);
  }
});
