// The folder tree (src/core/catalogue/tree.ts) and the item filter's folder (catalogue/filter.ts)
// on a real ingest of a generated folder tree holding a ZIP whose folders are only implied by its
// members' paths. Expected nodes, counts and filter results are worked out here from the files the
// test wrote, not read back from the engine.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { buildZip } from '../fixtures/archives.ts';
import { newCase, runCli, tempDir } from './helpers.ts';

const FILES: Record<string, string> = {
  'DCIM/100APPLE/IMG_0001.txt': 'one',
  'DCIM/100APPLE/IMG_0002.txt': 'two',
  'DCIM/cover.txt': 'cover',
  'Documents/deep/er/note.txt': 'deep',
  'Documents/readme.txt': 'readme',
  'top.txt': 'top',
};
const ZIP_MEMBERS: Record<string, string> = {
  'chats/2024/a.txt': 'a',
  'chats/2024/b.txt': 'b',
  'chats/index.txt': 'index',
  'loose.txt': 'loose',
};

test('the tree shows folders, a ZIP as a container with its implied folders, counts, and the filter takes exactly what is under a node', async (t) => {
  const { service, casePath, session } = newCase(t);
  const root = tempDir(t, 'evidence-tree-');
  const src = join(root, 'phone');
  for (const [p, data] of Object.entries(FILES)) {
    mkdirSync(dirname(join(src, p)), { recursive: true });
    writeFileSync(join(src, p), data);
  }
  mkdirSync(join(src, 'Download'));
  const zip = buildZip(Object.entries(ZIP_MEMBERS).map(([name, data]) => ({ name, data: Buffer.from(data), method: 8 as const })));
  writeFileSync(join(src, 'Download/chats.zip'), zip);
  service.addExhibit({ session, number: 'EXH-1' });
  await service.ingest({ session, sourcePath: src, exhibit: 'EXH-1' });

  // Every path the case should hold, to work the expectations out from.
  const dirs = ['DCIM', 'DCIM/100APPLE', 'Documents', 'Documents/deep', 'Documents/deep/er', 'Download'];
  const all = [...dirs, ...Object.keys(FILES), 'Download/chats.zip', ...Object.keys(ZIP_MEMBERS).map((m) => `Download/chats.zip!/${m}`)];
  const under = (p: string): string[] => all.filter((x) => x.startsWith(`${p}/`) || x.startsWith(`${p}!/`));

  const top = service.folderChildren({ casePath });
  assert.equal(top.nodes.length, 1);
  const s = top.nodes[0]!;
  assert.equal(s.kind, 'source');
  assert.equal(s.exhibit, 'EXH-1');
  assert.equal(s.name, 'phone');
  assert.equal(s.items, all.length);

  const rootLevel = service.folderChildren({ casePath, source: s.source, path: '' });
  assert.deepEqual(rootLevel.nodes.map((n) => [n.name, n.kind, n.items]), [
    ['DCIM', 'folder', under('DCIM').length],
    ['Documents', 'folder', under('Documents').length],
    ['Download', 'folder', under('Download').length],
  ]);
  assert.equal(rootLevel.files, 1, 'top.txt is the one file at the root');
  assert.equal(rootLevel.truncated, false);

  const download = service.folderChildren({ casePath, source: s.source, path: 'Download' });
  assert.equal(download.nodes.length, 1);
  const box = download.nodes[0]!;
  assert.deepEqual([box.name, box.kind, box.container, box.path, box.items], ['chats.zip', 'container', 'zip', 'Download/chats.zip', 4]);
  assert.ok(box.itemId, 'the container is an item');

  const inZip = service.folderChildren({ casePath, source: s.source, path: box.path });
  assert.deepEqual(inZip.nodes.map((n) => [n.name, n.kind, n.path, n.items, n.itemId]), [['chats', 'folder', 'Download/chats.zip!/chats', 3, null]]);
  assert.equal(inZip.files, 1, 'loose.txt');
  const chats = service.folderChildren({ casePath, source: s.source, path: 'Download/chats.zip!/chats' });
  assert.deepEqual(chats.nodes.map((n) => [n.name, n.items]), [['2024', 2]]);
  assert.equal(chats.files, 1);

  // The filter: direct children, and everything under a node, exactly.
  const paths = (f: { folder: string; folderDeep?: boolean }): string[] =>
    service.listItems({ casePath, source: s.source, ...f, sort: 'path', limit: 1000 }).items.map((i) => i.path).sort();
  // Directly in a node: under it with no further '/' after its 'p/' or 'p!/'.
  const direct = (p: string): string[] =>
    under(p).filter((x) => !x.slice(x.startsWith(`${p}/`) ? p.length + 1 : p.length + 2).includes('/')).sort();
  assert.deepEqual(paths({ folder: 'DCIM' }), ['DCIM/100APPLE', 'DCIM/cover.txt']);
  assert.deepEqual(paths({ folder: 'DCIM', folderDeep: true }), under('DCIM').sort());
  assert.deepEqual(paths({ folder: 'Download/chats.zip' }), ['Download/chats.zip!/loose.txt']);
  assert.deepEqual(paths({ folder: 'Download/chats.zip!/chats' }), direct('Download/chats.zip!/chats'));
  assert.deepEqual(paths({ folder: 'Download/chats.zip', folderDeep: true }), under('Download/chats.zip').sort());
  assert.deepEqual(paths({ folder: 'Download' }), direct('Download'));
  assert.deepEqual(paths({ folder: '' }), all.filter((x) => !x.includes('/')).sort());
  assert.equal(service.listItems({ casePath, source: s.source, folder: 'Documents', folderDeep: true }).total, under('Documents').length);
  // A name that shares a prefix with a folder is not under it.
  assert.deepEqual(paths({ folder: 'Doc', folderDeep: true }), []);

  // The same filter from the CLI.
  const ls = await runCli(['ls', casePath, '--source', String(s.source), '--folder', 'Download/chats.zip', '--deep', '--json']);
  assert.equal(ls.code, 0, ls.err);
  assert.deepEqual((JSON.parse(ls.out) as { items: { path: string }[] }).items.map((i) => i.path).sort(), under('Download/chats.zip').sort());
  const tree = await runCli(['tree', casePath, '--source', String(s.source), 'Download']);
  assert.equal(tree.code, 0, tree.err);
  assert.match(tree.out, /chats\.zip/);
  assert.match(tree.out, /\b4\b/);
});
