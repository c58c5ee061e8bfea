// Noto Sans JP, bundled with the renderer (issue 14): a machine without a Japanese font drew the
// Japanese UI and Japanese evidence text as boxes. Fontsource's CSS splits the font into ~120
// unicode-range slices, so Chromium loads only the slices a page uses, always from the app's own
// origin (font-src 'self'); nothing is fetched from anywhere else. Regular and bold (the UI's
// 600/700 headings fall back to the 700 face).
import '@fontsource/noto-sans-jp/400.css';
import '@fontsource/noto-sans-jp/700.css';
import './fonts.css';

/** The bundled family's name, as the CSS and the UI tests ask for it. */
export const JAPANESE_FONT = 'Noto Sans JP';
