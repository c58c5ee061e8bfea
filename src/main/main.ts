// Electron main process: app lifecycle, the one window, the security policy, the app:// protocol
// and the IPC registration. Every decision of the policy lives in security.ts/appProtocol.ts
// (pure, unit-tested); this file only wires them into Electron.
import { app, BrowserWindow, Menu, type MenuItemConstructorOptions, clipboard, dialog, ipcMain, nativeTheme, protocol, session } from 'electron';
import { join } from 'node:path';
import { EvidenceService } from '../core/index.ts';
import { createAppHandler } from './appProtocol.ts';
import { builtPaths } from './buildLayout.ts';
import { RecentCases } from '../host/recent.ts';
import { contentResponse } from './contentProtocol.ts';
import { forwardEvents, registerIpc, registerShellIpc } from './ipc.ts';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  type OriginPolicy,
  contentSecurityPolicy,
  isAppUrl,
  isDevServerUrl,
  navigationAllowed,
  permissionAllowed,
  requestVerdict,
  secureWebPreferences,
} from './security.ts';

// Under `electron-forge start` forge defines the dev server URL; a packaged app never uses one.
const devServerUrl =
  typeof MAIN_WINDOW_VITE_DEV_SERVER_URL === 'string' && MAIN_WINDOW_VITE_DEV_SERVER_URL && !app.isPackaged
    ? MAIN_WINDOW_VITE_DEV_SERVER_URL
    : undefined;
const policy: OriginPolicy = { devServerUrl };
const isDev = devServerUrl !== undefined;
const csp = contentSecurityPolicy(policy);

// main.cjs, preload.cjs and the two worker bundles sit together in .vite/build (inside app.asar
// once packaged); the renderer in .vite/renderer/main_window.
const paths = builtPaths(join(app.getAppPath(), '.vite', 'build'));

// Before `ready`: app:// behaves like https (standard origin, secure context, fetch), so 'self'
// in the CSP means exactly the app's own files.
protocol.registerSchemesAsPrivileged([
  // stream: <video>/<audio> play evidence from app:// in byte ranges (Electron requires it of a
  // custom scheme whose responses are streamed to media elements).
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);
app.enableSandbox();

// One running instance: two would fight over the same case folders.
if (!app.requestSingleInstanceLock()) {
  app.quit();
}

let service: EvidenceService | null = null;
let mainWindow: BrowserWindow | null = null;

// Every web contents, present and future: no navigation, no new windows, no <webview>.
app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (e) => {
    if (!navigationAllowed(e.url)) e.preventDefault();
  });
  contents.on('will-frame-navigate', (e) => {
    if (!navigationAllowed(e.url)) e.preventDefault();
  });
  contents.on('will-redirect', (e) => {
    if (!navigationAllowed(e.url)) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

function hardenSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback) => callback(permissionAllowed(permission)));
  ses.setPermissionCheckHandler((_wc, permission) => permissionAllowed(permission));
  ses.setDevicePermissionHandler(() => false);
  ses.on('will-download', (e) => e.preventDefault());
  // No request leaves the app: only app://, data:/blob:, and in dev the dev server and devtools.
  ses.webRequest.onBeforeRequest((details, callback) => {
    const verdict = requestVerdict(details.url, policy);
    if (verdict.cancel) console.warn(`[security] blocked request: ${details.url.slice(0, 200)}`);
    callback(verdict);
  });
  // The app:// handler sends the CSP itself; the dev server's pages get it here.
  ses.webRequest.onHeadersReceived((details, callback) => {
    if (isAppUrl(details.url) || isDevServerUrl(details.url, policy)) {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
    } else {
      callback({});
    }
  });
  // The renderer's files, and evidence previews at app://evidence/api/items/<id>/content|thumb
  // (session-checked by the engine; sent with CSP sandbox and nosniff).
  protocol.handle(
    APP_SCHEME,
    createAppHandler({ root: paths.rendererRoot, csp, content: (req) => (service ? contentResponse(service, req) : Promise.resolve(null)) }),
  );
}

function buildMenu(): Menu {
  // No Help menu: Electron's default one opens web pages with shell.openExternal.
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' } as const] : [{ role: 'fileMenu' } as const]),
    { role: 'editMenu' },
    ...(isDev ? [{ role: 'viewMenu' } as const] : []),
    { role: 'windowMenu' },
  ];
  return Menu.buildFromTemplate(template);
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 520,
    title: app.getName(),
    show: false,
    // The page's own background, so the window does not flash before the first paint.
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#16191f' : '#f5f6f8',
    webPreferences: secureWebPreferences(paths.preload, { devTools: isDev }),
  });
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(devServerUrl ?? APP_ENTRY_URL);
  return win;
}

app.on('second-instance', () => {
  if (mainWindow) {
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  }
});

app.whenReady().then(() => {
  hardenSession();
  Menu.setApplicationMenu(buildMenu());
  // The engine's hashing and verify workers are bundled next to main.cjs; the engine's default
  // (a .ts file next to its source) only exists when it runs from source.
  // Every checkpoint's receipt is also kept in the app's own data folder, outside any case.
  service = new EvidenceService({
    ingestWorkerUrl: paths.ingestWorker,
    verifyWorkerUrl: paths.verifyWorker,
    stageWorkerUrl: paths.stageWorker,
    heicWorkerUrl: paths.heicWorker,
    custodyWorkerUrl: paths.custodyWorker,
    receiptsDir: join(app.getPath('userData'), 'receipts'),
    appVersion: app.getVersion(),
  });
  registerIpc(ipcMain, service, {
    policy,
    onInternalError: (method, err) => console.error(`[ipc] ${method} failed:`, err),
    // Answers checked against the contract's output schemas while developing, not in the packaged app.
    checkOutputs: !app.isPackaged,
  });
  const recent = new RecentCases(join(app.getPath('userData'), 'host'));
  registerShellIpc(
    ipcMain,
    {
      writeClipboard: (text) => clipboard.writeText(text),
      showOpenDialog: async (kind, title) => {
        const options = { title, properties: kind === 'folder' ? (['openDirectory', 'createDirectory'] as const) : (['openFile'] as const) };
        const r = mainWindow ? await dialog.showOpenDialog(mainWindow, { ...options, properties: [...options.properties] }) : await dialog.showOpenDialog({ ...options, properties: [...options.properties] });
        return r.canceled ? null : (r.filePaths[0] ?? null);
      },
      recentCases: () => recent.list(),
      rememberCase: (entry) => recent.remember(entry),
    },
    { policy },
  );
  // Job progress, results and failures: one channel, to the one window.
  forwardEvents(
    service,
    (channel, event) => {
      if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(channel, event);
    },
    (err) => console.error('[ipc] event not sent:', err),
  );
  mainWindow = createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
  });
}, (err: unknown) => {
  console.error('Evidence Catalogue could not start:', err);
  app.exit(1);
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', (e) => {
  // Running jobs are cancelled first: an ingest stops after the files in progress, resumable.
  const s = service;
  if (!s) return;
  service = null;
  e.preventDefault();
  void s.shutdown().finally(() => app.quit());
});
