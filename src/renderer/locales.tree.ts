// UI text of the folder tree beside the catalogue (issue 14), in English and Japanese, merged
// into the one translation by i18n.ts. `ja` is typed as `en`, so a key missing in Japanese does
// not compile.

export const treeEn = {
  tree: {
    label: 'Folders',
    show: 'Show folders',
    hide: 'Hide folders',
    all: 'All items',
    deep: 'Include subfolders',
    loading: 'Loading…',
    items: '{{n}} items',
    more: 'Too many entries here: not every folder is listed',
    kind: { source: 'Source', folder: 'Folder', container: 'Container ({{format}})' },
    filtered: 'In {{name}}',
    clear: 'Show all',
    resize: 'Resize column {{column}} (←/→; double-click for the default width)',
  },
};

export const treeJa: typeof treeEn = {
  tree: {
    label: 'フォルダ',
    show: 'フォルダを表示',
    hide: 'フォルダを隠す',
    all: 'すべての項目',
    deep: 'サブフォルダを含める',
    loading: '読み込み中…',
    items: '{{n}} 件',
    more: '項目が多すぎるため、一部のフォルダは表示されていません',
    kind: { source: 'ソース', folder: 'フォルダ', container: 'コンテナ（{{format}}）' },
    filtered: '{{name}} 内',
    clear: 'すべて表示',
    resize: '列「{{column}}」の幅を変更（←/→、ダブルクリックで既定の幅）',
  },
};
