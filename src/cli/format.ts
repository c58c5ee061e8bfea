// Human-readable numbers and durations for the terminal, and the one way untrusted text reaches
// it: through visible() (control and bidi characters shown as escapes, never raw).
import { visible } from '../shared/text.ts';

export { visible };

/**
 * Lines of human-readable output, each made visible, joined. Each element is one line by
 * construction, so any newline, CR or ESC inside one came from the data and is shown escaped.
 */
export function safeLines(lines: string[]): string {
  return lines.map(visible).join('\n');
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? Math.round(v) : v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h ? `${h} h ${m} min` : m ? `${m} min ${sec} s` : `${sec} s`;
}

export function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** A plain text table: columns padded to their widest cell (capped), no decoration; every cell made visible. */
export function table(headers: string[], cells: string[][], maxWidth = 60): string {
  const rows = cells.map((r) => r.map(visible));
  const widths = widenColumns(headers.map((h) => h.length), rows, maxWidth);
  return [tableLine(headers, widths), ...rows.map((r) => tableLine(r, widths))].join('\n');
}

/**
 * The same table a page of rows at a time (a long custody log): the widths grow over every page
 * first (start from the headers' lengths), then each page's lines are printed with them. Cells
 * given here must already be made visible.
 */
export function widenColumns(widths: number[], rows: string[][], maxWidth = 60): number[] {
  return widths.map((w, c) => Math.min(maxWidth, Math.max(w, ...rows.map((r) => (r[c] ?? '').length))));
}

/** One line of a table with these column widths. */
export function tableLine(cells: string[], widths: number[]): string {
  // Never cut between the two halves of a surrogate pair (an emoji): that would print a lone one.
  const cut = (s: string, w: number): string => {
    if (s.length <= w) return s;
    const end = /[\ud800-\udbff]/.test(s.charAt(w - 2)) ? w - 2 : w - 1;
    return `${s.slice(0, end)}…`;
  };
  return cells
    .map((cell, c) => pad(cut(cell, widths[c]!), widths[c]!))
    .join('  ')
    .trimEnd();
}
