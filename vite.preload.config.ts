// Vite config for the preload bundle. forge emits it as one CommonJS file (.vite/build/preload.cjs)
// because a sandboxed preload can only `require` electron and cannot load ES modules; everything
// it imports (the bridge, the contract, zod) is bundled into that file.
import { defineConfig } from 'vite';

export default defineConfig({});
