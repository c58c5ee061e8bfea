// Constants electron-forge's Vite plugin defines in main-process bundles (see forge.config.ts,
// renderer name `main_window`). Under `electron-forge start` the dev server URL is a string; in a
// packaged build it is undefined.
declare const MAIN_WINDOW_VITE_DEV_SERVER_URL: string | undefined;
declare const MAIN_WINDOW_VITE_NAME: string;
