// The documents rendered from a bundle's manifest (report.html, case.jsonld, dfxml.xml), by the
// renderer modules beside this one (report.ts with thumbnails.ts, caseUco.ts, dfxml.ts). They are
// loaded by name at run time: a renderer that is not part of this build is skipped, and the export
// says so; the bundle stays complete and verifiable without it (its hashes and signature cover the
// documents it has).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Case } from '../case.ts';
import * as caseUcoModule from './caseUco.ts';
import * as dfxmlModule from './dfxml.ts';
import type { CustodyLine, Language, Manifest } from './manifest.ts';
import * as reportModule from './report.ts';
import * as thumbnailsModule from './thumbnails.ts';

export interface RenderInput {
  kase: Case;
  manifest: Manifest;
  /** custody.jsonl as written: full events and withheld links, in sequence order. */
  custody: CustodyLine[];
  lang: Language;
}

type Mod = Record<string, unknown>;
type Fn = (...args: unknown[]) => unknown;

export interface Renderer {
  /** The document's name in the bundle. */
  file: 'report.html' | 'case.jsonld' | 'dfxml.xml';
  module: string;
  /** Calls the module's renderer; null when the module does not export it. */
  run(mod: Mod, input: RenderInput): Promise<string | null>;
}

const fn = (mod: Mod, name: string): Fn | null => (typeof mod[name] === 'function' ? (mod[name] as Fn) : null);

export const RENDERERS: readonly Renderer[] = [
  {
    file: 'report.html',
    module: './report.ts',
    run: async (mod, i) => {
      const render = fn(mod, 'renderReport');
      if (!render) return null;
      // Thumbnails of the exported images, embedded in the report (bounded: thumbnails.ts).
      const th = await loadModule('./thumbnails.ts');
      const make = th ? fn(th, 'reportThumbnails') : null;
      const thumbs = make ? ((await make(i.kase, i.manifest.items.map((x) => ({ id: x.id, mime: x.mime })))) as { uris: Map<number, string> }) : null;
      return String(await render(i.manifest, i.custody, { lang: i.lang, thumbnails: thumbs?.uris }));
    },
  },
  {
    file: 'case.jsonld',
    module: './caseUco.ts',
    run: async (mod, i) => {
      const render = fn(mod, 'renderCaseJsonLd') ?? fn(mod, 'renderCaseUco');
      return render ? String(await render(i.manifest, i.custody)) : null;
    },
  },
  {
    file: 'dfxml.xml',
    module: './dfxml.ts',
    run: async (mod, i) => {
      const render = fn(mod, 'renderDfxml');
      return render ? String(await render(i.manifest, i.custody)) : null;
    },
  },
];

/**
 * The renderers of this build, imported statically: the app's main process is bundled by Vite,
 * where a module found by a run-time path beside this file would not exist, and the export would
 * silently leave the report out.
 */
const BUILT_IN: Record<string, Mod> = {
  './report.ts': reportModule,
  './thumbnails.ts': thumbnailsModule,
  './caseUco.ts': caseUcoModule,
  './dfxml.ts': dfxmlModule,
};

/** A module beside this one, or null when it is not part of this build. */
export async function loadModule(path: string): Promise<Mod | null> {
  const builtIn = BUILT_IN[path];
  if (builtIn) return builtIn;
  const url = new URL(path, import.meta.url);
  // Only a module that is absent is skipped: one that is there but fails to load is an error.
  if (url.protocol === 'file:' && !existsSync(fileURLToPath(url))) return null;
  return (await import(url.href)) as Mod;
}
