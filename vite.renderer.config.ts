// Vite config for the renderer (src/renderer). Used by electron-forge (which merges it over its
// renderer defaults) and on its own: `npx vite build --config vite.renderer.config.ts`.
// Output: .vite/renderer/main_window, served to the window as app://evidence/.
import react from '@vitejs/plugin-react';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Plugin, defineConfig } from 'vite';
import { RENDERER_NAME } from './src/main/buildLayout.ts';
import { contentSecurityPolicy } from './src/main/security.ts';

const projectDir = fileURLToPath(new URL('.', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  name: string;
  productName?: string;
  version: string;
};

/** Writes the production CSP into the built index.html too (the app:// handler also sends it). */
function cspMeta(): Plugin {
  return {
    name: 'evidence:csp-meta',
    apply: 'build',
    transformIndexHtml() {
      return [
        {
          tag: 'meta',
          attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy({}, { meta: true }) },
          injectTo: 'head-prepend',
        },
      ];
    },
  };
}

/**
 * pdf.js's CMaps (Japanese, Chinese and Korean text), standard fonts and wasm decoders, copied
 * into the build under pdfjs/ so a PDF preview never fetches anything from elsewhere.
 */
function pdfjsAssets(): Plugin {
  let outDir = '';
  return {
    name: 'evidence:pdfjs-assets',
    apply: 'build',
    configResolved(c) {
      outDir = c.build.outDir;
    },
    writeBundle() {
      const from = `${projectDir}node_modules/pdfjs-dist`;
      for (const d of ['cmaps', 'standard_fonts', 'wasm']) {
        if (existsSync(`${from}/${d}`)) cpSync(`${from}/${d}`, `${outDir}/pdfjs/${d}`, { recursive: true });
      }
    },
  };
}

export default defineConfig((env) => {
  const name = (env as { forgeConfigSelf?: { name?: string } }).forgeConfigSelf?.name ?? RENDERER_NAME;
  return {
    root: `${projectDir}src/renderer`,
    base: './',
    publicDir: false,
    plugins: [react(), cspMeta(), pdfjsAssets()],
    define: {
      __APP_NAME__: JSON.stringify(pkg.productName ?? pkg.name),
      __APP_VERSION__: JSON.stringify(pkg.version),
    },
    build: {
      outDir: `${projectDir}.vite/renderer/${name}`,
      emptyOutDir: true,
      // No inline assets: data: is allowed by the CSP for images only, keep scripts as files.
      assetsInlineLimit: 0,
    },
    server: {
      // Loopback only: the dev server is reachable from this machine alone.
      host: 'localhost',
      strictPort: false,
    },
  };
});
