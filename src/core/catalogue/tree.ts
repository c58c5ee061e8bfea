// The folder tree beside the catalogue: each source's folders and containers as the device had
// them, one level at a time (the app opens a node, then asks for its children), with how many
// items are under each.
//
// Folders are read from the items' paths, not from a folder table: a path is relative to its
// source's root with '/' between parts and '!/' after a container whose members were read
// ('Download/photos.zip!/DCIM/IMG_1.JPG'), and a ZIP or an iPhone backup often records no row for
// its folders at all. So a node is (source, path) and its children are found by walking the
// UNIQUE (source_id, path) index: seek the first path under the node, take its next part, then
// seek past everything under that part. One seek per direct child, never a read of the rows
// under the node, so opening a node of a 1,000,000-item case costs what that node holds directly.
// The count of items under a child is a range count on the same index (no row is read).
import type { FolderChildren, FolderNode } from '../../shared/outputs.ts';
import type { DB } from '../db/open.ts';
import { hasCounters, readCounter } from './counts.ts';

export type { FolderChildren, FolderNode };

/** Direct children a node is walked for before the listing stops (a folder of 200,000 loose files). */
export const MAX_CHILDREN_WALKED = 200_000;

/** The child-path separators: a folder's children follow '/', a container's members follow '!/'. */
const CONTAINER_MARK = '!';

/**
 * Bounds (lo exclusive, hi exclusive) of the paths under `path` in one form: every string that
 * starts with `prefix` sorts after the prefix itself and before the prefix with its last
 * character ('/') replaced by the next one ('0'), in SQLite's binary order.
 */
function rangeOf(prefix: string): { lo: string; hi: string } {
  return { lo: prefix, hi: `${prefix.slice(0, -1)}0` };
}

/** Prefixes the children of a node's path have: 'a/b/' (a folder's) and 'a/b!/' (a container's); '' for a source's root. */
export function childPrefixes(path: string): string[] {
  return path === '' ? [''] : [`${path}/`, `${path}${CONTAINER_MARK}/`];
}

/**
 * The sources (one per ingested export) with their exhibit and item count: the tree's top level.
 * Counts come from the writer's counters (counts.ts) where the case keeps them.
 */
function sourceNodes(db: DB): FolderNode[] {
  const rows = db
    .prepare(
      `SELECT s.id, s.kind, s.root_path, e.number AS exhibit FROM sources s LEFT JOIN exhibits e ON e.id = s.exhibit_id ORDER BY e.number, s.id`,
    )
    .all() as { id: number; kind: string; root_path: string; exhibit: string | null }[];
  const counted = hasCounters(db);
  const count = db.prepare('SELECT COUNT(*) FROM items WHERE source_id = ?').pluck();
  return rows.map((s) => ({
    source: s.id,
    exhibit: s.exhibit,
    path: '',
    name: baseName(s.root_path),
    kind: 'source',
    container: s.kind,
    itemId: null,
    items: counted ? readCounter(db, `source:${s.id}`) : (count.get(s.id) as number),
  }));
}

/** The last part of a path the officer gave (a folder or a file, either separator). */
function baseName(p: string): string {
  const parts = p.split(/[\\/]+/).filter(Boolean);
  return parts[parts.length - 1] ?? p;
}

interface Child {
  name: string;
  itemId: number | null;
  kind: string | null;
  container: string | null;
  /** Seen with members or items below it. */
  hasBelow: boolean;
  /** Its path: the parent's child prefix and its name. */
  path: string;
}

/**
 * The folders and containers directly in a node: with no source, the sources themselves; else
 * the node at `path` ('' for the source's root) of that source.
 */
export function folderChildren(db: DB, at: { source?: number; path?: string } = {}): FolderChildren {
  if (at.source === undefined) return { nodes: sourceNodes(db), files: 0, truncated: false };
  const source = at.source;
  const path = at.path ?? '';
  const exhibit = (db.prepare('SELECT e.number FROM sources s LEFT JOIN exhibits e ON e.id = s.exhibit_id WHERE s.id = ?').pluck().get(source) as
    | string
    | null
    | undefined) ?? null;
  const first = db.prepare('SELECT id, path, kind, container FROM items WHERE source_id = ? AND path > ? AND path < ? ORDER BY path LIMIT 1');
  const firstOpen = db.prepare('SELECT id, path, kind, container FROM items WHERE source_id = ? AND path > ? ORDER BY path LIMIT 1');
  const firstFrom = db.prepare('SELECT id, path, kind, container FROM items WHERE source_id = ? AND path >= ? AND path < ? ORDER BY path LIMIT 1');
  const firstFromOpen = db.prepare('SELECT id, path, kind, container FROM items WHERE source_id = ? AND path >= ? ORDER BY path LIMIT 1');
  type Row = { id: number; path: string; kind: string; container: string | null };

  const children = new Map<string, Child>();
  let truncated = false;
  let steps = 0;
  for (const prefix of childPrefixes(path)) {
    const { hi } = rangeOf(prefix);
    // Strictly after the cursor (a leaf just seen), or from it (past a part's whole subtree).
    let cursor = prefix;
    let inclusive = false;
    for (;;) {
      if (++steps > MAX_CHILDREN_WALKED) {
        truncated = true;
        break;
      }
      const row = (
        prefix === ''
          ? inclusive ? firstFromOpen.get(source, cursor) : firstOpen.get(source, cursor)
          : inclusive ? firstFrom.get(source, cursor, hi) : first.get(source, cursor, hi)
      ) as Row | undefined;
      if (!row) break;
      const rest = row.path.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash < 0) {
        // A direct child: a file, a recorded folder or a container.
        const c = children.get(rest) ?? { name: rest, itemId: null, kind: null, container: null, hasBelow: false, path: row.path };
        Object.assign(c, { itemId: row.id, kind: row.kind, container: row.container });
        children.set(rest, c);
        cursor = row.path;
        inclusive = false;
        continue;
      }
      // Something below a direct child: a folder's item or a container's member ('x.zip!/...').
      let part = rest.slice(0, slash);
      const member = part.endsWith(CONTAINER_MARK) && children.get(part.slice(0, -1))?.container != null;
      if (member) part = part.slice(0, -1);
      const c = children.get(part) ?? { name: part, itemId: null, kind: null, container: null, hasBelow: false, path: `${prefix}${part}` };
      c.hasBelow = true;
      children.set(part, c);
      // Past everything under this part in the form just seen ('part/' or 'part!/').
      cursor = `${prefix}${rest.slice(0, slash)}0`;
      inclusive = true;
    }
    if (truncated) break;
  }

  const countUnder = db.prepare('SELECT COUNT(*) FROM items WHERE source_id = ? AND path > ? AND path < ?').pluck();
  const nodes: FolderNode[] = [];
  let files = 0;
  for (const c of children.values()) {
    const isNode = c.hasBelow || c.kind === 'dir' || c.container !== null;
    if (!isNode) {
      files++;
      continue;
    }
    const full = c.path;
    let items = 0;
    for (const p of childPrefixes(full)) {
      const r = rangeOf(p);
      items += countUnder.get(source, r.lo, r.hi) as number;
    }
    nodes.push({
      source,
      exhibit,
      path: full,
      name: c.name,
      kind: c.container !== null ? 'container' : 'folder',
      container: c.container,
      itemId: c.itemId,
      items,
    });
  }
  nodes.sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base', numeric: true }) || (a.name < b.name ? -1 : 1));
  return { nodes, files, truncated };
}
