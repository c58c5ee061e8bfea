// Tags and notes: the vocabulary (shipped in assets/tags.json, plus a case's own tags), tagging
// and untagging one item or many, and notes that are never erased. Every change is a custody
// event; roles are checked here, in the engine, whatever the front door.
import type { Tag, ItemTag, Note, TagChange } from '../../shared/outputs.ts';
import vocabularyFile from '../../../assets/tags.json' with { type: 'json' };
import type { Case } from '../case.ts';
import type { DB } from '../db/open.ts';
import { EvidenceError } from '../errors.ts';
import { requirePermission, type SignedIn } from '../officers/accounts.ts';

export interface VocabularyTag {
  id: string;
  en: string;
  ja: string;
  colour: string;
}

// Defined once, as the contract's output schemas (src/shared/outputs.ts).
export type { Tag, ItemTag, Note, TagChange };

/**
 * Up to this many items a tagging is recorded as one custody event per item (each item's
 * history then shows it directly, and `evidence log --item N` finds it). Beyond it, one event
 * lists every id: tagging "everything this search found" can touch hundreds of thousands of
 * items, and that many chained events would bloat the log and slow verification for no gain
 * (the ids, the officer, the time and the comment are all in the one event, and item_tags keeps
 * who tagged each item and when).
 */
export const PER_ITEM_EVENTS_MAX = 1000;

const TAG_ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const COLOUR = /^#[0-9a-fA-F]{6}$/;

export const vocabulary: readonly VocabularyTag[] = (vocabularyFile as { tags: VocabularyTag[] }).tags;

const seeded = new WeakSet<DB>();

/**
 * Puts the shipped vocabulary into the case (once per open database): tags added to the
 * shipped file later reach older cases too; a case's existing tags are never changed.
 */
export function ensureVocabulary(db: DB): void {
  if (seeded.has(db)) return;
  const insert = db.prepare(
    'INSERT OR IGNORE INTO tags (id, label_en, label_ja, colour, builtin, created_by, created_at) VALUES (?, ?, ?, ?, 1, NULL, NULL)',
  );
  if (!db.readonly) {
    db.transaction(() => {
      for (const t of vocabulary) insert.run(t.id, t.en, t.ja, t.colour);
    })();
  }
  seeded.add(db);
}

interface TagRow {
  id: string;
  label_en: string;
  label_ja: string | null;
  colour: string;
  builtin: number;
  created_by: string | null;
  created_at: string | null;
  n: number;
}

function toTag(r: TagRow): Tag {
  return {
    id: r.id,
    labelEn: r.label_en,
    labelJa: r.label_ja,
    colour: r.colour,
    builtin: r.builtin === 1,
    createdBy: r.created_by,
    createdAt: r.created_at,
    count: r.n,
  };
}

/** The vocabulary with how many items carry each tag: shipped tags first, in their order. */
export function listTags(db: DB): Tag[] {
  ensureVocabulary(db);
  const rows = db
    .prepare(
      `SELECT t.*, (SELECT COUNT(*) FROM item_tags it WHERE it.tag_id = t.id) AS n FROM tags t ORDER BY t.builtin DESC, t.created_at, t.id`,
    )
    .all() as TagRow[];
  const order = new Map(vocabulary.map((t, i) => [t.id, i]));
  return rows
    .map(toTag)
    .sort((a, b) => (a.builtin && b.builtin ? (order.get(a.id) ?? 999) - (order.get(b.id) ?? 999) : 0));
}

export function getTag(db: DB, id: string): Tag | null {
  ensureVocabulary(db);
  const r = db.prepare('SELECT t.*, (SELECT COUNT(*) FROM item_tags it WHERE it.tag_id = t.id) AS n FROM tags t WHERE t.id = ?').get(id) as
    | TagRow
    | undefined;
  return r ? toTag(r) : null;
}

function requireTag(db: DB, id: string): Tag {
  const t = getTag(db, id);
  if (!t) {
    const known = listTags(db)
      .map((x) => x.id)
      .join(', ');
    throw new EvidenceError('NOT_FOUND', `There is no tag "${id}" in this case. Tags: ${known}. Add one with: evidence tags add <case> --id ... --en ...`);
  }
  return t;
}

export interface NewTag {
  id: string;
  labelEn: string;
  labelJa?: string | null;
  colour: string;
}

/** A case-specific tag. */
export function addTag(kase: Case, who: SignedIn, t: NewTag): Tag {
  requirePermission(who, 'tag', 'add tags');
  const db = kase.db;
  ensureVocabulary(db);
  const id = t.id.trim();
  if (!TAG_ID.test(id)) {
    throw new EvidenceError('USAGE', `"${t.id}" is not a usable tag id: use lower-case letters, digits and dashes, e.g. "burner-phone".`);
  }
  if (!COLOUR.test(t.colour)) throw new EvidenceError('USAGE', `"${t.colour}" is not a colour: give it as #rrggbb, e.g. #1e88e5.`);
  const labelEn = t.labelEn.trim();
  if (!labelEn) throw new EvidenceError('USAGE', 'A tag needs an English label (--en).');
  const labelJa = t.labelJa?.trim() || null;
  const at = kase.clock.now().toISOString();
  db.transaction(() => {
    if (db.prepare('SELECT 1 FROM tags WHERE id = ?').get(id)) {
      throw new EvidenceError('CONFLICT', `The tag "${id}" already exists in this case.`);
    }
    db.prepare('INSERT INTO tags (id, label_en, label_ja, colour, builtin, created_by, created_at) VALUES (?, ?, ?, ?, 0, ?, ?)').run(
      id,
      labelEn,
      labelJa,
      t.colour.toLowerCase(),
      who.name,
      at,
    );
    kase.custody.append({ officer: who.name, action: 'tag.created', target: `tag:${id}`, details: { id, labelEn, labelJa, colour: t.colour.toLowerCase() } });
  })();
  return getTag(db, id)!;
}

/** Every tag an item carries now: per-item events record the full set after the change (custody/state.ts). */
function tagSet(db: DB, itemId: number): string[] {
  return (db.prepare('SELECT tag_id FROM item_tags WHERE item_id = ? ORDER BY tag_id').all(itemId) as { tag_id: string }[]).map((r) => r.tag_id);
}

function uniqueIds(ids: Iterable<number>): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** Refuses ids that name no item, saying which. */
function requireItems(db: DB, ids: number[]): void {
  const has = db.prepare('SELECT 1 FROM items WHERE id = ?');
  const missing = ids.filter((id) => !has.get(id));
  if (missing.length) {
    const shown = missing.slice(0, 10).join(', ');
    throw new EvidenceError(
      'NOT_FOUND',
      `No item ${shown}${missing.length > 10 ? ` (and ${missing.length - 10} more)` : ''} in this case: nothing was changed. List items with: evidence ls <case>`,
    );
  }
}

function cleanComment(c: string | null | undefined): string | null {
  const s = c?.trim();
  return s ? s : null;
}

/** Tags items (already tagged ones are left as they were). All or nothing, in one transaction. */
export function tagItems(kase: Case, who: SignedIn, tagId: string, ids: Iterable<number>, comment?: string | null): TagChange {
  requirePermission(who, 'tag', 'tag evidence');
  const db = kase.db;
  const tag = requireTag(db, tagId);
  const all = uniqueIds(ids);
  requireItems(db, all);
  const note = cleanComment(comment);
  const at = kase.clock.now().toISOString();
  const has = db.prepare('SELECT 1 FROM item_tags WHERE item_id = ? AND tag_id = ?');
  const insert = db.prepare('INSERT INTO item_tags (item_id, tag_id, officer, comment, at_utc) VALUES (?, ?, ?, ?, ?)');
  return db.transaction((): TagChange => {
    const changed: number[] = [];
    const unchanged: number[] = [];
    for (const id of all) (has.get(id, tag.id) ? unchanged : changed).push(id);
    const perItem = changed.length <= PER_ITEM_EVENTS_MAX;
    for (const id of changed) {
      insert.run(id, tag.id, who.name, note, at);
      if (perItem) {
        kase.custody.append({
          officer: who.name,
          action: 'item.tagged',
          target: `item:${id}`,
          reason: note,
          details: { tag: tag.id, label: tag.labelEn, tags: tagSet(db, id) },
        });
      }
    }
    if (!perItem) {
      kase.custody.append({
        officer: who.name,
        action: 'items.tagged',
        target: `tag:${tag.id}`,
        reason: note,
        details: { tag: tag.id, label: tag.labelEn, count: changed.length, items: changed },
      });
    }
    return { tag: tag.id, changed, unchanged, custody: changed.length === 0 ? 'none' : perItem ? 'per-item' : 'summary' };
  })();
}

/** Removes a tag from items (items without it are left as they were). */
export function untagItems(kase: Case, who: SignedIn, tagId: string, ids: Iterable<number>, comment?: string | null): TagChange {
  requirePermission(who, 'tag', 'untag evidence');
  const db = kase.db;
  const tag = requireTag(db, tagId);
  const all = uniqueIds(ids);
  requireItems(db, all);
  const note = cleanComment(comment);
  const get = db.prepare('SELECT officer, comment, at_utc FROM item_tags WHERE item_id = ? AND tag_id = ?');
  const remove = db.prepare('DELETE FROM item_tags WHERE item_id = ? AND tag_id = ?');
  return db.transaction((): TagChange => {
    const changed: { id: number; was: { officer: string; comment: string | null; at_utc: string } }[] = [];
    const unchanged: number[] = [];
    for (const id of all) {
      const was = get.get(id, tag.id) as { officer: string; comment: string | null; at_utc: string } | undefined;
      if (was) changed.push({ id, was });
      else unchanged.push(id);
    }
    const perItem = changed.length <= PER_ITEM_EVENTS_MAX;
    for (const { id, was } of changed) {
      remove.run(id, tag.id);
      if (perItem) {
        kase.custody.append({
          officer: who.name,
          action: 'item.untagged',
          target: `item:${id}`,
          reason: note,
          details: { tag: tag.id, label: tag.labelEn, taggedBy: was.officer, taggedAt: was.at_utc, taggedComment: was.comment, tags: tagSet(db, id) },
        });
      }
    }
    if (!perItem) {
      kase.custody.append({
        officer: who.name,
        action: 'items.untagged',
        target: `tag:${tag.id}`,
        reason: note,
        details: { tag: tag.id, label: tag.labelEn, count: changed.length, items: changed.map((c) => c.id) },
      });
    }
    return { tag: tag.id, changed: changed.map((c) => c.id), unchanged, custody: changed.length === 0 ? 'none' : perItem ? 'per-item' : 'summary' };
  })();
}

export function itemTags(db: DB, itemId: number): ItemTag[] {
  ensureVocabulary(db);
  return (
    db
      .prepare(
        `SELECT it.tag_id, t.label_en, t.label_ja, t.colour, it.officer, it.comment, it.at_utc
         FROM item_tags it JOIN tags t ON t.id = it.tag_id WHERE it.item_id = ? ORDER BY it.at_utc, it.tag_id`,
      )
      .all(itemId) as { tag_id: string; label_en: string; label_ja: string | null; colour: string; officer: string; comment: string | null; at_utc: string }[]
  ).map((r) => ({ tag: r.tag_id, labelEn: r.label_en, labelJa: r.label_ja, colour: r.colour, officer: r.officer, comment: r.comment, at: r.at_utc }));
}

interface NoteRow {
  id: number;
  item_id: number;
  officer: string;
  text: string;
  at_utc: string;
  deleted_at: string | null;
  deleted_by: string | null;
  deleted_reason: string | null;
}

function toNote(r: NoteRow): Note {
  return {
    id: r.id,
    itemId: r.item_id,
    officer: r.officer,
    text: r.text,
    at: r.at_utc,
    removed: r.deleted_at ? { at: r.deleted_at, by: r.deleted_by, reason: r.deleted_reason } : null,
  };
}

/** Every note of an item, removed ones included (marked), oldest first. */
export function itemNotes(db: DB, itemId: number): Note[] {
  return (db.prepare('SELECT * FROM notes WHERE item_id = ? ORDER BY id').all(itemId) as NoteRow[]).map(toNote);
}

/** The most a note may hold; longer text belongs in a document added as evidence or a report. */
export const NOTE_MAX_CHARS = 20_000;

export function addNote(kase: Case, who: SignedIn, itemId: number, text: string): Note {
  requirePermission(who, 'note', 'add notes');
  const db = kase.db;
  const body = text.trim();
  if (!body) throw new EvidenceError('USAGE', 'A note needs some text.');
  if (body.length > NOTE_MAX_CHARS) throw new EvidenceError('USAGE', `A note holds at most ${NOTE_MAX_CHARS} characters (this one has ${body.length}).`);
  requireItems(db, [itemId]);
  const at = kase.clock.now().toISOString();
  const id = db.transaction((): number => {
    const id = Number(db.prepare('INSERT INTO notes (item_id, officer, text, at_utc) VALUES (?, ?, ?, ?)').run(itemId, who.name, body, at).lastInsertRowid);
    // The text goes into the chained event too, so a note altered in the table is caught.
    kase.custody.append({ officer: who.name, action: 'note.added', target: `item:${itemId}`, details: { note: id, text: body } });
    return id;
  })();
  return toNote(db.prepare('SELECT * FROM notes WHERE id = ?').get(id) as NoteRow);
}

/**
 * Marks a note removed (it stays in the case, shown as removed). Its author may remove it; so
 * may an examiner or admin, who manage the case.
 */
export function removeNote(kase: Case, who: SignedIn, noteId: number, reason: string): Note {
  requirePermission(who, 'note', 'remove notes');
  const db = kase.db;
  const why = reason.trim();
  if (!why) throw new EvidenceError('USAGE', 'Say why the note is removed (--reason).');
  const row = db.prepare('SELECT * FROM notes WHERE id = ?').get(noteId) as NoteRow | undefined;
  if (!row) throw new EvidenceError('NOT_FOUND', `There is no note ${noteId} in this case. Notes are listed by: evidence show <case> <item>`);
  if (row.deleted_at) throw new EvidenceError('CONFLICT', `Note ${noteId} was already removed by ${row.deleted_by ?? 'someone'} at ${row.deleted_at}.`);
  if (row.officer !== who.name && who.role !== 'examiner' && who.role !== 'admin') {
    throw new EvidenceError('FORBIDDEN', `Note ${noteId} is ${row.officer}'s: only its author, an examiner or an admin may remove it.`);
  }
  const at = kase.clock.now().toISOString();
  db.transaction(() => {
    db.prepare('UPDATE notes SET deleted_at = ?, deleted_by = ?, deleted_reason = ? WHERE id = ?').run(at, who.name, why, noteId);
    kase.custody.append({
      officer: who.name,
      action: 'note.removed',
      target: `item:${row.item_id}`,
      reason: why,
      details: { note: noteId, author: row.officer, addedAt: row.at_utc },
    });
  })();
  return toNote(db.prepare('SELECT * FROM notes WHERE id = ?').get(noteId) as NoteRow);
}
