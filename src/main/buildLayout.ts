// Where the Vite plugin of electron-forge puts each bundle, in one place: forge.config.ts builds
// these entries, main.ts finds them at run time, and a unit test checks the two agree.
// No electron import: forge.config.ts and the unit tests load this module in plain Node.
import { dirname, join } from 'node:path';

/** Renderer name in forge.config.ts; forge derives MAIN_WINDOW_VITE_* from it. */
export const RENDERER_NAME = 'main_window';

/** Bundle names (file name without extension) of the main-process build entries. */
export const BUNDLES = {
  main: 'main',
  preload: 'preload',
  ingestWorker: 'ingest-worker',
  verifyWorker: 'verify-worker',
  stageWorker: 'stage-worker',
  heicWorker: 'heic-worker',
  custodyWorker: 'custody-worker',
} as const;

export type BundleName = (typeof BUNDLES)[keyof typeof BUNDLES];

/**
 * forge 8 emits main-process and preload bundles as CommonJS with a `.cjs` extension, so they
 * load as CommonJS although package.json says "type": "module". The asar-aware CommonJS loader
 * is also the one Electron supports for worker_threads scripts inside app.asar.
 */
export const BUNDLE_EXT = '.cjs';

export function bundleFile(name: BundleName): string {
  return `${name}${BUNDLE_EXT}`;
}

export interface BuiltPaths {
  preload: string;
  ingestWorker: string;
  verifyWorker: string;
  /** The text stage's worker (src/core/stages/text/worker.ts). */
  stageWorker: string;
  /** The HEIC photo decoder's worker (src/core/preview/heic-worker.ts). */
  heicWorker: string;
  /** The custody verification's worker (src/core/custody/verify-worker.ts). */
  custodyWorker: string;
  /** Folder of the built renderer (index.html and assets), served as app://. */
  rendererRoot: string;
}

/**
 * Paths of the built files, given the folder that holds main.cjs (`.vite/build`, inside
 * app.asar once packaged). The renderer is built to `.vite/renderer/<name>`.
 */
export function builtPaths(buildDir: string, rendererName: string = RENDERER_NAME): BuiltPaths {
  return {
    preload: join(buildDir, bundleFile(BUNDLES.preload)),
    ingestWorker: join(buildDir, bundleFile(BUNDLES.ingestWorker)),
    verifyWorker: join(buildDir, bundleFile(BUNDLES.verifyWorker)),
    stageWorker: join(buildDir, bundleFile(BUNDLES.stageWorker)),
    heicWorker: join(buildDir, bundleFile(BUNDLES.heicWorker)),
    custodyWorker: join(buildDir, bundleFile(BUNDLES.custodyWorker)),
    rendererRoot: join(dirname(buildDir), 'renderer', rendererName),
  };
}
