// What EXIF's coded values mean (issue 14: "EXIF values shown with their meaning, not raw
// codes"). The engine keeps the codes as the camera wrote them (exifr with translateValues off);
// the CLI and the app show each code with its meaning from here, in English or Japanese.
// Pure TypeScript: no node, no dom.

export type Lang = 'en' | 'ja';
type Table = Record<number, readonly [en: string, ja: string]>;

const ORIENTATION: Table = {
  1: ['upright', '正位置'],
  2: ['mirrored left to right', '左右反転'],
  3: ['rotated 180°', '180°回転'],
  4: ['mirrored top to bottom', '上下反転'],
  5: ['mirrored, rotated 90° counter-clockwise', '左右反転し反時計回りに90°回転'],
  6: ['rotated 90° clockwise', '時計回りに90°回転'],
  7: ['mirrored, rotated 90° clockwise', '左右反転し時計回りに90°回転'],
  8: ['rotated 90° counter-clockwise', '反時計回りに90°回転'],
};

const EXPOSURE_PROGRAM: Table = {
  0: ['not defined', '未定義'],
  1: ['manual', 'マニュアル'],
  2: ['normal program', 'プログラム'],
  3: ['aperture priority', '絞り優先'],
  4: ['shutter priority', 'シャッター優先'],
  5: ['creative program', 'クリエイティブ'],
  6: ['action program', 'アクション'],
  7: ['portrait mode', 'ポートレート'],
  8: ['landscape mode', '風景'],
};

const METERING_MODE: Table = {
  0: ['unknown', '不明'],
  1: ['average', '平均'],
  2: ['centre-weighted average', '中央重点平均'],
  3: ['spot', 'スポット'],
  4: ['multi-spot', 'マルチスポット'],
  5: ['pattern', '分割'],
  6: ['partial', '部分'],
  255: ['other', 'その他'],
};

const WHITE_BALANCE: Table = {
  0: ['auto', 'オート'],
  1: ['manual', 'マニュアル'],
};

const pick = (t: Table, v: number, lang: Lang): string | null => t[v]?.[lang === 'ja' ? 1 : 0] ?? null;

/** EXIF Flash (a bit field): fired or not, the mode, return light, red-eye reduction. */
export function flashMeaning(v: number, lang: Lang): string {
  const ja = lang === 'ja';
  if (v & 0x20) return ja ? 'フラッシュ機能なし' : 'no flash function';
  const parts = [v & 1 ? (ja ? '発光' : 'fired') : ja ? '発光せず' : 'did not fire'];
  const mode = (v >> 3) & 3;
  if (mode === 1) parts.push(ja ? '強制発光' : 'compulsory flash');
  if (mode === 2) parts.push(ja ? '発光禁止' : 'flash suppressed');
  if (mode === 3) parts.push(ja ? '自動' : 'auto mode');
  const ret = (v >> 1) & 3;
  if (ret === 2) parts.push(ja ? '反射光を検出せず' : 'return light not detected');
  if (ret === 3) parts.push(ja ? '反射光を検出' : 'return light detected');
  if (v & 0x40) parts.push(ja ? '赤目軽減' : 'red-eye reduction');
  return parts.join(ja ? '、' : ', ');
}

/** The meaning of an EXIF orientation code (1-8), or null for a code EXIF does not define. */
export function orientationMeaning(v: number, lang: Lang): string | null {
  return pick(ORIENTATION, v, lang);
}

/** The meaning of a coded EXIF field, by its name (Orientation, Flash, ...), or null. */
export function exifMeaning(field: string, value: unknown, lang: Lang): string | null {
  if (typeof value !== 'number' || !Number.isInteger(value)) return null;
  switch (field.slice(field.lastIndexOf('.') + 1)) {
    case 'Orientation':
      return orientationMeaning(value, lang);
    case 'Flash':
      return flashMeaning(value, lang);
    case 'ExposureProgram':
      return pick(EXPOSURE_PROGRAM, value, lang);
    case 'MeteringMode':
      return pick(METERING_MODE, value, lang);
    case 'WhiteBalance':
      return pick(WHITE_BALANCE, value, lang);
    default:
      return null;
  }
}

/** "6 (rotated 90° clockwise)": the code as written and its meaning, or the code alone. */
export function withMeaning(field: string, value: unknown, lang: Lang): string {
  const m = exifMeaning(field, value, lang);
  return m ? `${String(value)} (${m})` : String(value);
}
