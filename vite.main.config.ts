// Vite config for the main-process bundles (main, and the engine's two worker modules).
// electron-forge merges this over its own main config, which already makes `electron` and the
// Node built-ins external and emits CommonJS `<name>.cjs` into .vite/build.
import { type Plugin, defineConfig } from 'vite';

/**
 * The engine finds its worker scripts with `new URL('./worker.ts', import.meta.url)` when it runs
 * from source. In a bundle that default is never used (main.ts passes the bundled workers to
 * EvidenceService), but Vite would inline each worker's TypeScript source into main.cjs as a
 * data: URL. Mark those URLs /* @vite-ignore *\/ so they stay plain runtime URLs.
 */
export function keepEngineWorkerUrls(): Plugin {
  return {
    name: 'evidence:keep-engine-worker-urls',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]src[\\/]core[\\/]/.test(id)) return null;
      const out = code.replace(
        /new\s+URL\(\s*(?=(['"`])\.\.?\/[^'"`]*worker\.ts\1\s*,\s*import\.meta\.url)/g,
        'new URL(/* @vite-ignore */ ',
      );
      return out === code ? null : { code: out, map: null };
    },
  };
}

export default defineConfig({
  plugins: [keepEngineWorkerUrls()],
  build: {
    rollupOptions: {
      // Native module: never bundled. forge.config.ts copies it (with `bindings` and
      // `file-uri-to-path`) into the package and unpacks its .node file from the asar.
      external: ['better-sqlite3', 'sharp'],
    },
  },
  define: {
    // The bundles are CommonJS, where rolldown turns `import.meta.url` into `{}.url`
    // (undefined), and `new URL('./x', undefined)` throws at load. Give modules their real URL.
    'import.meta.url': 'require("node:url").pathToFileURL(__filename).href',
  },
  resolve: {
    // Node entry points of dependencies (file-type, zod, ...), never their browser builds.
    conditions: ['node'],
  },
});
