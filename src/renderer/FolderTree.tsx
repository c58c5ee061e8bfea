// The folder tree beside the catalogue (issue 14): each source's folders and containers (ZIPs,
// iPhone backups, UFDR) as the device had them, with item counts. Lazy: a node's children are
// asked of the engine (folderChildren) only when it is opened, so a 1,000,000-item case never
// crosses whole. Choosing a node filters the catalogue to its direct children; "Include
// subfolders" (or choosing the chosen node again) widens it to everything under it. A WAI-ARIA
// tree: arrows move and open/close, Enter or Space chooses, Home/End jump.
//
// A node shows an arrow only while it may hold folders: the children of the rows on screen that
// hold few items are asked for ahead (one at a time), so a folder of files alone shows none, and a
// larger one loses its arrow once opening it finds no folder. The pane folds to a narrow strip
// with its button (remembered on this computer, like the column widths), giving the catalogue
// its width; a folder chosen stays the catalogue's filter and the strip says so.
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

/** Nodes holding at most this many items have their children asked for before they are opened (a walk of at most that many seeks). */
const LOOK_AHEAD_ITEMS = 5000;
const COLLAPSED_KEY = 'evidence.treeCollapsed';

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
  const [collapsed, setCollapsed] = useState(() => localStorage.getItem(COLLAPSED_KEY) === '1');
  const fold = (c: boolean): void => {
    setCollapsed(c);
    localStorage.setItem(COLLAPSED_KEY, c ? '1' : '0');
  };
  // Children asked for ahead of an opening (keys), so each is asked once.
  const asked = useRef(new Set<string>());

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
    asked.current = new Set();
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

  // Looking ahead: the first row on screen with few items whose children are not known is asked
  // for; its answer changes `children`, which brings the next one here (one request at a time).
  const lookingAhead = useRef(false);
  useEffect(() => {
    if (lookingAhead.current) return;
    const next = rows.find((r) => r.node.items > 0 && r.node.items <= LOOK_AHEAD_ITEMS && !children.has(keyOf(r.node)) && !asked.current.has(keyOf(r.node)));
    if (!next) return;
    asked.current.add(keyOf(next.node));
    lookingAhead.current = true;
    void load(next.node).finally(() => {
      lookingAhead.current = false;
      // Nothing else may change `children` meanwhile: ask again for the next one.
      setChildren((m) => new Map(m));
    });
  }, [rows, children, load]);

  const chosenKey = props.value.source !== undefined ? `${props.value.source}:${props.value.folder ?? ''}` : null;
  /** A node may hold folders: it has items, and its children are not known yet or include some (or were too many to list). */
  const expandable = (n: Node): boolean => {
    const c = children.get(keyOf(n));
    return n.items > 0 && (!c || c.nodes.length > 0 || c.truncated);
  };

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
    <nav className={`folder-tree${collapsed ? ' collapsed' : ''}`} aria-label={t('tree.label')} data-testid="folder-tree">
      <div className="folder-tree-head">
        <button
          type="button"
          className="tree-fold"
          data-testid="tree-fold"
          aria-expanded={!collapsed}
          aria-controls="folder-tree-body"
          aria-label={collapsed ? t('tree.show') : t('tree.hide')}
          title={collapsed ? t('tree.show') : t('tree.hide')}
          onClick={() => fold(!collapsed)}
        >
          {collapsed ? '»' : '«'}
        </button>
        {collapsed ? (
          // The folded strip: what the pane is, and the folder the catalogue is still filtered to.
          <span className="folder-tree-strip" data-testid="tree-strip" onClick={() => fold(false)}>
            {t('tree.label')}
            {chosenKey && props.value.folder !== undefined && (
              <span className="chosen" data-testid="tree-strip-chosen">
                {' · '}
                {t('tree.filtered', { name: props.value.folder === '' ? (children.get('')?.nodes.find((n) => n.source === props.value.source)?.name ?? '') : props.value.folder.split(/!?\//).pop() })}
              </span>
            )}
          </span>
        ) : (
          <>
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
          </>
        )}
      </div>
      <div id="folder-tree-body" hidden={collapsed}>
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
      </div>
    </nav>
  );
}
