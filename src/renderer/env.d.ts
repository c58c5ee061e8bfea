// Build-time constants from vite.renderer.config.ts (package.json productName and version), and
// the bridge the preload exposes. The renderer talks to the engine only through window.evidence.
import type { EvidenceBridge } from '../preload/bridge.ts';

declare global {
  const __APP_NAME__: string;
  const __APP_VERSION__: string;
  interface Window {
    /** Absent when the page runs outside the app (e.g. opened in a plain browser). */
    readonly evidence?: EvidenceBridge;
  }
}
