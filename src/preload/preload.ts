// Preload (sandboxed, context-isolated): exposes window.evidence with one function per contract
// method (each a plain ipcRenderer.invoke on its own channel), ONE event subscription, and the
// shell's functions (clipboard, dialogs, recent cases). Nothing else is exposed: no ipcRenderer,
// no generic invoke(channel), no Node.
import { contextBridge, ipcRenderer } from 'electron';
import { EVENT_CHANNEL, buildBridge } from './bridge.ts';

contextBridge.exposeInMainWorld(
  'evidence',
  buildBridge(
    (channel, input) => ipcRenderer.invoke(channel, input),
    (listener) => {
      const handler = (_event: unknown, payload: unknown): void => listener(payload);
      ipcRenderer.on(EVENT_CHANNEL, handler);
      return () => {
        ipcRenderer.removeListener(EVENT_CHANNEL, handler);
      };
    },
  ),
);
