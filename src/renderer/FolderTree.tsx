// The folder tree beside the catalogue (issue 14): each source's folders and containers (ZIPs,
// iPhone backups, UFDR) as the device had them, with item counts. Lazy: a node's children are
// asked of the engine (folderChildren) only when it is opened, so a 1,000,000-item case never
// crosses whole. Choosing a node filters the catalogue to its direct children; "Include
// subfolders" (or choosing the chosen node again) widens it to everything under it. A WAI-ARIA
// tree: arrows move and open/close, Enter or Space chooses, Home/End jump.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Output } from '../shared/contract.ts';
import { getClient } from './api.ts';
import { formatCount } from './format.ts';
import './tree.css';

type Node = Output<'folderChildren'>['nodes'][number];

/** What the catalogue filters on: a source and a folder path in it, and whether to go deep. */
export interface FolderChoice {
  source?: number;
  folder?: string;
  folderDeep?: boolean;
}

const keyOf = (n: Node): string => `${n.source}:${n.path}`;

interface Loaded {
  nodes: Node[];
  truncated: boolean;
}

export function FolderTree(props: { casePath: string; reloadKey: number; value: FolderChoice; onChange: (c: FolderChoice) => void }) {
  const { t, i18n } = useTranslation();
  const client = getClient();
  const { casePath } = props;
  // Children by parent key ('' for the top: the sources); absent until the node is opened.
  const [children, setChildren] = useState<Map<string, Loaded>>(new Map());
  const [open, setOpen] = useState<Set<string>>(new Set());
  const [focus, setFocus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const treeRef = useRef<HTMLUListElement>(null);

  const load = useCallback(
    async (parent: Node | null) => {
      const key = parent ? keyOf(parent) : '';
      try {
        const r = await client.call('folderChildren', parent ? { casePath, source: parent.source, path: parent.path } : { casePath });
        setChildren((m) => new Map(m).set(key, { nodes: r.nodes, truncated: r.truncated }));
      } catch (err) {
        setError((err as Error).message);
      }
    },
    [client, casePath],
  );

  // A new case or a catalogue that changed (an ingest): start again from the sources, and
  // reopen what was open.
  useEffect(() => {
    setChildren(new Map());
    void load(null);
  }, [load, props.reloadKey]);

  // The rows on screen, in order, with their depth: what the arrow keys move through.
  const rows = useMemo(() => {
    const out: { node: Node; depth: number; parent: string | null }[] = [];
    const walk = (key: string, depth: number, parent: string | null): void => {
      for (const n of children.get(key)?.nodes ?? []) {
        out.push({ node: n, depth, parent });
        if (open.has(keyOf(n))) walk(keyOf(n), depth + 1, keyOf(n));
      }
    };
    walk('', 1, null);
    return out;
  }, [children, open]);

  const chosenKey = props.value.source !== undefined ? `${props.value.source}:${props.value.folder ?? ''}` : null;
  const expandable = (n: Node): boolean => n.items > 0 && !(children.get(keyOf(n))?.nodes.length === 0);

  const toggle = (n: Node, want?: boolean): void => {
    const k = keyOf(n);
    const next = want ?? !open.has(k);
    setOpen((s) => {
      const c = new Set(s);
      if (next) c.add(k);
      else c.delete(k);
      return c;
    });
    if (next && !children.has(k)) void load(n);
  };

  const choose = (n: Node): void => {
    const k = keyOf(n);
    // Choosing the chosen node again widens it to everything under it (and back).
    const deep = k === chosenKey ? !props.value.folderDeep : !!props.value.folderDeep;
    props.onChange({ source: n.source, folder: n.path, folderDeep: deep || undefined });
    setFocus(k);
  };

  const focusRow = (k: string): void => {
    setFocus(k);
    treeRef.current?.querySelector<HTMLElement>(`[data-key="${CSS.escape(k)}"]`)?.focus();
  };

  const onKey = (e: React.KeyboardEvent, i: number): void => {
    const r = rows[i]!;
    const k = keyOf(r.node);
    const move = (j: number): void => {
      const to = rows[Math.max(0, Math.min(rows.length - 1, j))];
      if (to) focusRow(keyOf(to.node));
    };
    switch (e.key) {
      case 'ArrowDown':
        move(i + 1);
        break;
      case 'ArrowUp':
        move(i - 1);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(rows.length - 1);
        break;
      case 'ArrowRight':
        if (!expandable(r.node)) break;
        if (!open.has(k)) toggle(r.node, true);
        else if (rows[i + 1]?.parent === k) move(i + 1);
        break;
      case 'ArrowLeft':
        if (open.has(k)) toggle(r.node, false);
        else if (r.parent) focusRow(r.parent);
        break;
      case 'Enter':
      case ' ':
        choose(r.node);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const focusable = focus && rows.some((r) => keyOf(r.node) === focus) ? focus : rows[0] ? keyOf(rows[0].node) : null;

  return (
    <nav className="folder-tree" aria-label={t('tree.label')} data-testid="folder-tree">
      <div className="folder-tree-head">
        <strong>{t('tree.label')}</strong>
        <label className="folder-tree-deep">
          <input
            type="checkbox"
            data-testid="tree-deep"
            checked={!!props.value.folderDeep}
            onChange={(e) => props.onChange({ ...props.value, folderDeep: e.target.checked || undefined })}
          />{' '}
          {t('tree.deep')}
        </label>
        {chosenKey && (
          <button type="button" className="btn-small" data-testid="tree-clear" onClick={() => props.onChange({})}>
            {t('tree.clear')}
          </button>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!children.has('') && !error && <p className="muted">{t('tree.loading')}</p>}
      <ul role="tree" aria-label={t('tree.label')} ref={treeRef} data-testid="tree">
        {rows.map((r, i) => {
          const n = r.node;
          const k = keyOf(n);
          const isOpen = open.has(k);
          const canOpen = expandable(n);
          const title =
            n.kind === 'container' ? t('tree.kind.container', { format: n.container ?? '' }) : n.kind === 'source' ? `${t('tree.kind.source')} · ${n.exhibit ?? ''}` : t('tree.kind.folder');
          return (
            <li
              key={k}
              role="treeitem"
              data-key={k}
              data-testid="tree-node"
              data-path={n.path}
              aria-level={r.depth}
              aria-expanded={canOpen ? isOpen : undefined}
              aria-selected={k === chosenKey}
              tabIndex={k === focusable ? 0 : -1}
              className={`tree-row${k === chosenKey ? ' chosen' : ''}`}
              style={{ paddingInlineStart: `${(r.depth - 1) * 14 + 4}px` }}
              onKeyDown={(e) => onKey(e, i)}
              onFocus={() => setFocus(k)}
              onClick={() => choose(n)}
              title={`${title}: ${n.kind === 'source' ? n.name : n.path}`}
            >
              <span
                className="tree-twisty"
                aria-hidden="true"
                onClick={(e) => {
                  e.stopPropagation();
                  if (canOpen) toggle(n);
                }}
              >
                {canOpen ? (isOpen ? '▾' : '▸') : ''}
              </span>
              <span className="tree-icon" aria-hidden="true">
                {/* Plain glyphs the bundled fonts have (an emoji font is not on every lab machine). */}
                {n.kind === 'source' ? '▣' : n.kind === 'container' ? '▦' : '▭'}
              </span>
              <span className="tree-name">{n.kind === 'source' && n.exhibit ? `${n.exhibit} · ${n.name}` : n.name}</span>
              <span className="tree-count" aria-label={t('tree.items', { n: formatCount(n.items, i18n.language) })}>
                {formatCount(n.items, i18n.language)}
              </span>
            </li>
          );
        })}
      </ul>
      {[...children.values()].some((c) => c.truncated) && <p className="muted small">{t('tree.more')}</p>}
    </nav>
  );
}
