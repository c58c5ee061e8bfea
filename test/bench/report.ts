// Plain-text tables and number formatting for the benchmark report.

export const MiB = 1024 * 1024;

export function secs(x: number | null | undefined): string {
  return x === null || x === undefined ? '-' : x.toFixed(2);
}

export function ratio(x: number | null | undefined): string {
  return x === null || x === undefined ? '-' : x.toFixed(2);
}

export function mib(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? '-' : (bytes / MiB).toFixed(1);
}

export function rssMiB(kib: number | null | undefined): string {
  return kib === null || kib === undefined ? '-' : `${(kib / 1024).toFixed(0)} MiB`;
}

/** Renders rows as aligned columns; the first column left-aligned, the rest right-aligned. */
export function table(header: string[], rows: string[][], leftCols = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]): string =>
    r
      .map((c, i) => (i < leftCols ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [fmt(header), rule, ...rows.map(fmt)].join('\n');
}
