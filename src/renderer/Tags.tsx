// Tags and notes in the window (issue 14 item 3): the case's tags (listTags, with their colours
// and counts) shared through a context, tag chips (colour with the label beside it, never colour
// alone), tagging and untagging items (tagItems / untagItems: the engine checks the role and
// records custody), the selection's action bar with number keys 1-9 for the favourite tags, and
// the item's tags and notes (addNote; notes are never erased). No logic of its own: every change
// is one contract call, as `evidence tag` and `evidence note` make it.
import { createContext, useContext, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ItemTag, Note, Tag } from '../shared/contract.ts';
import { getClient } from './api.ts';
import { formatCount, formatTime } from './format.ts';
import i18n from './i18n.ts';
import './review.css';

export interface TagsState {
  tags: Tag[];
  /** Asks the engine again (after a change: the counts move). */
  reload: () => void;
}
export const TagsContext = createContext<TagsState>({ tags: [], reload: () => undefined });

/** The favourite tags the number keys 1-9 apply: the case's tags in their order, first nine. */
export function favouriteTags(tags: Tag[]): Tag[] {
  return tags.slice(0, 9);
}

export function tagLabel(tag: { labelEn: string; labelJa: string | null }, lang: string): string {
  return lang.startsWith('ja') && tag.labelJa ? tag.labelJa : tag.labelEn;
}

export function TagChip({ tag, onRemove, small }: { tag: { tag?: string; id?: string; labelEn: string; labelJa: string | null; colour: string }; onRemove?: () => void; small?: boolean }) {
  const { t, i18n } = useTranslation();
  const label = tagLabel(tag, i18n.language);
  return (
    <span className={`tag-chip ${small ? 'small' : ''}`} data-testid="tag-chip" data-tag={tag.tag ?? tag.id} title={label}>
      <span className="tag-dot" style={{ background: tag.colour }} aria-hidden="true" />
      {label}
      {onRemove && (
        <button type="button" className="tag-x" onClick={onRemove} aria-label={t('review.tags.remove', { tag: label })} data-testid="tag-remove">
          ×
        </button>
      )}
    </span>
  );
}

/** The chips of a row, from its tag ids and the case's tags. */
export function RowTags({ ids }: { ids: string[] | undefined }) {
  const { tags } = useContext(TagsContext);
  if (!ids?.length) return null;
  return (
    <span className="row-tags" data-testid="row-tags">
      {ids.map((id) => {
        const tag = tags.find((x) => x.id === id) ?? { id, labelEn: id, labelJa: null, colour: '#888888' };
        return <TagChip key={id} tag={tag} small />;
      })}
    </span>
  );
}

/** Tags or untags items by id; answers a line to show (or throws the engine's message). */
export async function changeTags(session: string, tag: Tag, ids: number[], untag: boolean, lang: string, comment?: string): Promise<string> {
  const r = await getClient().call(untag ? 'untagItems' : 'tagItems', { session, tag: tag.id, ids, comment: comment?.trim() || null });
  return i18n.t('review.tags.done', { tag: tagLabel(tag, lang), count: r.changed.length, n: formatCount(r.changed.length, lang) });
}

/** The action bar of a selection: tag or untag it with a chosen tag; the favourites' keys shown. */
export function SelectionActions({ count, onApply, busy }: { count: number; onApply: (tag: Tag, untag: boolean, comment: string) => void; busy?: boolean }) {
  const { t, i18n } = useTranslation();
  const { tags } = useContext(TagsContext);
  const [chosen, setChosen] = useState('');
  // Why: kept with each item's tag and in the custody event, as `evidence tag --comment`.
  const [comment, setComment] = useState('');
  const tag = tags.find((x) => x.id === chosen);
  if (count < 1) return null;
  return (
    <div className="selection-actions" data-testid="selection-actions" role="toolbar" aria-label={t('review.tags.forSelection', { n: count })}>
      <strong>{t('review.tags.forSelection', { n: formatCount(count, i18n.language) })}</strong>
      <select value={chosen} onChange={(e) => setChosen(e.target.value)} data-testid="selection-tag" aria-label={t('review.tags.choose')}>
        <option value="">{t('review.tags.choose')}</option>
        {tags.map((x, k) => (
          <option key={x.id} value={x.id}>
            {k < 9 ? `${k + 1} · ` : ''}
            {tagLabel(x, i18n.language)}
          </option>
        ))}
      </select>
      <input type="text" value={comment} onChange={(e) => setComment(e.target.value)} placeholder={t('review.tags.comment')} aria-label={t('review.tags.comment')} data-testid="selection-comment" />
      <button type="button" className="btn-small" disabled={!tag || busy} onClick={() => tag && onApply(tag, false, comment)} data-testid="selection-tag-apply">
        ＋ {t('review.tags.tagSel')}
      </button>
      <button type="button" className="btn-small" disabled={!tag || busy} onClick={() => tag && onApply(tag, true, comment)} data-testid="selection-untag-apply">
        − {t('review.tags.untagSel')}
      </button>
      <span className="muted small favourites" title={favouriteTags(tags).map((x, k) => `${k + 1} ${tagLabel(x, i18n.language)}`).join('\n')}>
        {t('review.tags.favourites')}{' '}
        {favouriteTags(tags).map((x, k) => (
          <span key={x.id} className="fav">
            <kbd>{k + 1}</kbd>
            <span className="tag-dot" style={{ background: x.colour }} aria-hidden="true" />
            {tagLabel(x, i18n.language)}
          </span>
        ))}
      </span>
    </div>
  );
}

/**
 * The item's tags (with remove) and an add menu; then its notes, and a form to add one. A role
 * without the 'tag' or 'note' permission (a reviewer) reads them without the controls.
 */
export function ItemTagsNotes({
  session,
  itemId,
  tags,
  notes,
  onChanged,
  canTag = true,
  canNote = true,
}: {
  session: string;
  itemId: number;
  tags: ItemTag[];
  notes: Note[];
  onChanged: () => void;
  canTag?: boolean;
  canNote?: boolean;
}) {
  const { t, i18n } = useTranslation();
  const all = useContext(TagsContext);
  const [error, setError] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const run = async (f: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
      onChanged();
      all.reload();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const untagged = all.tags.filter((x) => !tags.some((y) => y.tag === x.id));
  return (
    <>
      <section data-testid="item-tags">
        <h3>{t('review.tags.label')}</h3>
        <div className="chips">
          {tags.length === 0 && <span className="muted">{t('review.tags.none')}</span>}
          {tags.map((x) => (
            <span key={x.tag} title={`${t('review.tags.by', { officer: x.officer })} · ${formatTime(x.at)}${x.comment ? ` · ${x.comment}` : ''}`}>
              <TagChip tag={x} onRemove={busy || !canTag ? undefined : () => void run(() => getClient().call('untagItems', { session, tag: x.tag, ids: [itemId] }))} />
            </span>
          ))}
          {canTag && (
          <select
            value=""
            disabled={busy}
            onChange={(e) => {
              const id = e.target.value;
              if (id) void run(() => getClient().call('tagItems', { session, tag: id, ids: [itemId] }));
            }}
            data-testid="item-tag-add"
            aria-label={t('review.tags.add')}
          >
            <option value="">{t('review.tags.add')}</option>
            {untagged.map((x) => (
              <option key={x.id} value={x.id}>
                {tagLabel(x, i18n.language)}
              </option>
            ))}
          </select>
          )}
        </div>
        {error && (
          <p className="banner error" role="alert" data-testid="tags-error">
            ⚠ {error}
          </p>
        )}
      </section>
      <section data-testid="item-notes">
        <h3>{t('review.notes.label')}</h3>
        {notes.length === 0 ? (
          <p className="muted">{t('review.notes.none')}</p>
        ) : (
          <ol className="notes">
            {notes.map((n) => (
              <li key={n.id} className={n.removed ? 'removed' : ''} data-testid="note">
                <div className="note-head muted small">
                  {n.officer} · {formatTime(n.at)}
                  {n.removed ? ` · ${t('review.notes.removed')} (${n.removed.by ?? ''}: ${n.removed.reason ?? ''})` : ''}
                </div>
                <div className="note-text">{n.text}</div>
              </li>
            ))}
          </ol>
        )}
        {canNote && (
        <form
          className="note-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (!text.trim()) return;
            void run(async () => {
              await getClient().call('addNote', { session, item: itemId, text });
              setText('');
            });
          }}
        >
          <textarea value={text} onChange={(e) => setText(e.target.value)} placeholder={t('review.notes.placeholder')} rows={2} data-testid="note-text" aria-label={t('review.notes.label')} />
          <button type="submit" className="btn-small" disabled={busy || !text.trim()} data-testid="note-add">
            {t('review.notes.add')}
          </button>
        </form>
        )}
      </section>
    </>
  );
}
