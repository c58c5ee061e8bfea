// Japanese personal names beside Japanese phone numbers: what makes a list of numbers a list of
// people. A heuristic, and documented as one:
//  - a "row" is a line (a CSV or TSV row, a line of a text list, an extracted spreadsheet row);
//  - a row counts when it holds a Japanese number (found by phones.ts) and a name;
//  - a name is a cell (between , tab ; | 、 or the row's ends, once the numbers are removed)
//    of 2 to 5 kanji/kana (or two parts of 1-4 with one space between, 6 at most), optionally
//    followed by 様 / さん / 殿, not opening with hiragana; or, inside running text, 2-5 kanji/kana
//    directly followed by 様 or さん ("山田様にお電話"), which is looked for first;
//  - cells that are Japanese words rather than names are refused: a stop list of column headings
//    and call-list statuses (氏名, 電話番号, 住所, 不在, 留守, 済, 未払い...), place and company
//    endings (...都, ...県, ...市, ...区, ...町, ...丁目, ...銀行, ...会社);
//  - a value repeated in more than a fifth of 20 or more rows is a category (a status column),
//    not a person, and is dropped.
// It cannot tell a rare word from a name, and it does not read names in Latin letters; it is
// meant to tell a list of people apart from a list of numbers, not to name anyone.
import type { PhoneHit } from './phones.ts';

const NAME_CHARS = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}ー々ヶ';
const RE_CELL_NAME = new RegExp(`^([${NAME_CHARS}]{1,5})(?:[ \\u3000]([${NAME_CHARS}]{1,5}))?$`, 'u');
const HONORIFIC_END = /(?:様|さま|さん|殿)$/u;
const RE_HONORIFIC = new RegExp(`(?<![${NAME_CHARS}])([${NAME_CHARS}]{2,5})(?:様|さん)`, 'gu');

const STOP = new Set(
  `氏名 名前 お名前 フリガナ ふりがな カナ 電話 電話番号 携帯 携帯電話 携帯番号 固定 固定電話 自宅 住所 郵便番号 備考 連絡先 勤務先 会社 会社名 職業
   年齢 生年月日 性別 男性 女性 男 女 既婚 未婚 独身 家族 配偶者 不在 留守 留守電 済 済み 完了 未 未済 未払い 不明 なし 無し あり 有り 要確認 確認 確認中 再 再コール
   通話 通話中 拒否 着信拒否 話中 切断 繋がらず 応答なし 番号 使用 使用中 現在 停止 解約 無職 年金 主婦 会社員 自営業 公務員 学生 退職 高齢 独居 一人暮らし
   見込み 成約 失注 担当 担当者 メモ 結果 状態 状況 日時 日付 時間 金額 合計 入金 支払い 振込 返金 請求 料金 利用料金 様 さん 殿 東京 大阪 名古屋 横浜 京都
   福岡 札幌 神戸 仙台 広島 北海道 埼玉 千葉 神奈川 愛知 兵庫 静岡 茨城 栃木 群馬 新潟 長野 岐阜 三重 滋賀 奈良 和歌山 岡山 山口 徳島 香川 愛媛 高知
   佐賀 長崎 熊本 大分 宮崎 鹿児島 沖縄 青森 岩手 宮城 秋田 山形 福島 富山 石川 福井 山梨 鳥取 島根 日本 中国 韓国 以上 以下 合計 小計 総計 はい いいえ`.split(/\s+/),
);
const PLACE_ENDINGS = /(都|道|府|県|市|区|町|村|郡|丁目|番地|番|号|駅|銀行|支店|会社|株式会社|有限会社|病院|学校|大学|協会|組合|センター|ビル|マンション|荘|号室|方面)$/u;

export interface NameFindings {
  /** Rows holding a Japanese phone number and a name. */
  rows: number;
  /** Distinct names in those rows. */
  names: Set<string>;
  samples: string[];
}

function nameOfCell(cell: string): string | null {
  const c = cell.trim().replace(HONORIFIC_END, '').trim();
  const m = RE_CELL_NAME.exec(c);
  if (!m) return null;
  const full = m[2] ? `${m[1]} ${m[2]}` : m[1]!;
  const bare = full.replace(' ', '');
  if (bare.length < 2 || bare.length > 6 || (!m[2] && bare.length > 5)) return null;
  if (STOP.has(bare) || STOP.has(m[1]!) || PLACE_ENDINGS.test(bare)) return null;
  // Cells in or opening with hiragana are words (から電話, なし) far more often than names.
  if (/^\p{Script=Hiragana}/u.test(bare)) return null;
  return full;
}

/**
 * The name in one row (its numbers already replaced by \uFFFC), or null. A name marked with
 * 様 or さん is taken first; else a whole cell: cells are split at , tab ; | in a row that has
 * them (a CSV or TSV row), at spaces in a line of prose.
 */
export function nameInRow(row: string): string | null {
  for (const m of row.matchAll(RE_HONORIFIC)) {
    const n = m[1]!;
    if (!STOP.has(n) && !PLACE_ENDINGS.test(n)) return n;
  }
  const tabular = /[,\t;|]/.test(row);
  const cells = row.split(tabular ? /[\uFFFC,\t;|，"「」『』【】<>[\]]+/ : /[\uFFFC\s"「」『』【】<>[\]]+/);
  for (const cell of cells) {
    const n = nameOfCell(cell);
    if (n) return n;
  }
  return null;
}

/** Rows of the text with a Japanese number and a name. `hits` are the phone hits of the same text. */
export function namesBesidePhones(text: string, hits: readonly PhoneHit[]): NameFindings {
  const jp = hits.filter((h) => h.region === 'JP');
  const perRow: string[] = [];
  let i = 0;
  while (i < jp.length) {
    const lineStart = text.lastIndexOf('\n', jp[i]!.start - 1) + 1;
    let lineEnd = text.indexOf('\n', jp[i]!.end);
    if (lineEnd < 0) lineEnd = text.length;
    // Blank out every number of this row, then look for the name.
    let row = text.slice(lineStart, lineEnd);
    while (i < jp.length && jp[i]!.start < lineEnd) {
      const h = jp[i]!;
      row = row.slice(0, h.start - lineStart) + '\uFFFC'.repeat(h.end - h.start) + row.slice(h.end - lineStart);
      i++;
    }
    const name = nameInRow(row);
    if (name) perRow.push(name);
  }
  // A value in more than a fifth of many rows is a column of categories, not people.
  const counts = new Map<string, number>();
  for (const n of perRow) counts.set(n, (counts.get(n) ?? 0) + 1);
  const limit = perRow.length >= 20 ? perRow.length / 5 : Infinity;
  const kept = perRow.filter((n) => counts.get(n)! <= limit);
  const names = new Set(kept);
  return { rows: kept.length, names, samples: [...names].slice(0, 5) };
}
