// Preload (sandboxed, context-isolated): exposes window.evidence with one function per contract
// method, each a plain ipcRenderer.invoke on its own channel. Nothing else is exposed: no
// ipcRenderer, no generic invoke(channel), no Node.
import { contextBridge, ipcRenderer } from 'electron';
import { buildBridge } from './bridge.ts';

contextBridge.exposeInMainWorld(
  'evidence',
  buildBridge((channel, input) => ipcRenderer.invoke(channel, input)),
);
