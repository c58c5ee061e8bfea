// Text of PDFs with PDF.js (through unpdf, whose build runs in Node and in a bundle with no
// worker file and no network). This PDF.js never evaluates code from a PDF (its eval-based font
// path is gone since v5) and runs no PDF JavaScript; fonts are never installed, and the predefined CJK character maps that older Japanese and Chinese PDFs
// name (90ms-RKSJ-H, UniGB-UCS2-H, ...) are read from pdfjs-dist's cmaps folder on disk when it
// is installed; without it such PDFs give no text for those fonts, and say so.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let cmapDir: string | null | undefined;

/** The folder of PDF.js's packed CMaps, if pdfjs-dist is installed beside us. */
function cmapFolder(): string | null {
  if (cmapDir !== undefined) return cmapDir;
  cmapDir = null;
  try {
    const pkg = createRequire(import.meta.url).resolve('pdfjs-dist/package.json');
    const dir = join(dirname(pkg), 'cmaps');
    if (existsSync(join(dir, 'UniJIS-UCS2-H.bcmap'))) cmapDir = `${dir}/`;
  } catch {
    /* not installed: no predefined CMaps */
  }
  return cmapDir;
}

interface TextItemLike {
  str?: string;
  hasEOL?: boolean;
}

/** The text of a PDF, page by page (pages separated by a blank line), up to maxChars. */
export async function pdfText(bytes: Uint8Array, maxChars: number): Promise<{ text: string; truncated: boolean; pages: number }> {
  const { getDocumentProxy } = await import('unpdf');
  const cmaps = cmapFolder();
  // PDF.js takes ownership of (detaches) the buffer it is given: hand it a copy.
  const doc = await getDocumentProxy(new Uint8Array(bytes), {
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
    stopAtErrors: false,
    ...(cmaps ? { cMapUrl: cmaps, cMapPacked: true } : {}),
  });
  try {
    const parts: string[] = [];
    let size = 0;
    let truncated = false;
    for (let n = 1; n <= doc.numPages; n++) {
      if (size >= maxChars) {
        truncated = true;
        break;
      }
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      let s = '';
      for (const it of content.items as TextItemLike[]) {
        if (typeof it.str === 'string') s += it.str;
        if (it.hasEOL) s += '\n';
      }
      page.cleanup();
      parts.push(s.trim());
      size += s.length + 2;
    }
    return { text: parts.join('\n\n'), truncated, pages: doc.numPages };
  } finally {
    await doc.loadingTask.destroy();
  }
}
