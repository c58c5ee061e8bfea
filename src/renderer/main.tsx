// Renderer entry: mounts the React app. Talks to the engine only through api.ts (window.evidence
// in the desktop app, the browser host over HTTP + SSE elsewhere).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import './fonts.ts';
import './i18n.ts';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
