// PDF pages drawn on canvases by pdf.js, loaded only when a PDF is opened. Safe settings: no eval
// (pdf.js 6 has none, and the CSP forbids it), no scripting (the scripting sandbox is never loaded), no annotation or
// text layer (no links, no forms), everything from the app's own files (worker, CMaps for
// Japanese and Chinese text, standard fonts): nothing is fetched from elsewhere.
import * as pdfjs from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';

pdfjs.GlobalWorkerOptions.workerSrc = workerUrl;

const base = new URL('./pdfjs/', document.baseURI).href;

export async function renderPdf(
  data: Uint8Array,
  into: HTMLElement,
  maxPages: number,
  live: () => boolean,
): Promise<{ pages: number; shown: number; destroy: () => void }> {
  const task = pdfjs.getDocument({
    data,
    enableXfa: false,
    cMapUrl: `${base}cmaps/`,
    cMapPacked: true,
    standardFontDataUrl: `${base}standard_fonts/`,
    wasmUrl: `${base}wasm/`,
    stopAtErrors: false,
  });
  const doc = await task.promise;
  into.replaceChildren();
  const shown = Math.min(doc.numPages, maxPages);
  for (let n = 1; n <= shown && live(); n++) {
    const page = await doc.getPage(n);
    const base1 = page.getViewport({ scale: 1 });
    const scale = Math.min(2, (into.clientWidth || 360) / base1.width);
    const viewport = page.getViewport({ scale: scale * (window.devicePixelRatio || 1) });
    const canvas = document.createElement('canvas');
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    canvas.style.width = `${Math.floor(viewport.width / (window.devicePixelRatio || 1))}px`;
    canvas.setAttribute('aria-label', `page ${n}`);
    into.appendChild(canvas);
    await page.render({ canvas, viewport, annotationMode: pdfjs.AnnotationMode.DISABLE }).promise;
  }
  return { pages: doc.numPages, shown, destroy: () => void task.destroy() };
}
