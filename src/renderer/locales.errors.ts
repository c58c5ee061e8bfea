// The engine's errors in the UI's languages, by their stable code (src/core/errors.ts ErrorCode,
// plus the codes the front doors add: OFFLINE when the host does not answer). The engine writes
// its messages in English with the specifics (a path, a field, an exhibit number); the Japanese
// UI shows the sentence for the code and keeps those specifics after it. A code missing here
// falls back to the engine's English message with the code (localizedError in errorText.ts).
export const errorsEn = {
  'error.USAGE': 'Something in the request is not right.',
  'error.NOT_FOUND': 'Not found.',
  'error.CASE_EXISTS': 'A case already exists there.',
  'error.NOT_A_CASE': 'This folder is not a case.',
  'error.CASE_LOCKED': 'The case is open in another window or program.',
  'error.NETWORK_FS': 'The case is on a network drive; keep cases on a local disk.',
  'error.SOURCE_UNREADABLE': 'The source cannot be read.',
  'error.SCHEMA_TOO_NEW': 'This case was made by a newer version of the app.',
  'error.CANCELLED': 'Cancelled.',
  'error.AUTH_FAILED': 'Wrong officer name or password.',
  'error.OFFICER_DISABLED': 'This officer account is disabled.',
  'error.OFFICER_LOCKED': 'This officer account is locked after too many wrong passwords.',
  'error.FORBIDDEN': 'Your role may not do this.',
  'error.CONFLICT': 'This conflicts with what the case already holds.',
  'error.CASE_UNWRITABLE': 'The case cannot be written (disk full, I/O error or read-only media). Nothing is lost: free space and try again to resume.',
  'error.CASE_DAMAGED': 'The case database is damaged.',
  'error.ALREADY_INGESTED': 'This source was already ingested into the case.',
  'error.INTERNAL': 'Internal error.',
  'error.OFFLINE': 'The app’s engine is not answering.',
} as const;

export const errorsJa: Record<keyof typeof errorsEn, string> = {
  'error.USAGE': '入力内容に誤りがあります。',
  'error.NOT_FOUND': '見つかりません。',
  'error.CASE_EXISTS': 'その場所には既に事件があります。',
  'error.NOT_A_CASE': 'このフォルダは事件ではありません。',
  'error.CASE_LOCKED': 'この事件は別のウィンドウまたはプログラムで開かれています。',
  'error.NETWORK_FS': '事件がネットワークドライブ上にあります。事件はローカルディスクに置いてください。',
  'error.SOURCE_UNREADABLE': '取込元を読み取れません。',
  'error.SCHEMA_TOO_NEW': 'この事件は新しい版のアプリで作成されています。',
  'error.CANCELLED': '中止しました。',
  'error.AUTH_FAILED': '担当者名またはパスワードが違います。',
  'error.OFFICER_DISABLED': 'この担当者アカウントは無効です。',
  'error.OFFICER_LOCKED': 'パスワードの誤りが多すぎるため、この担当者アカウントはロックされています。',
  'error.FORBIDDEN': 'あなたの役割ではこの操作はできません。',
  'error.CONFLICT': '事件に既にある内容と矛盾します。',
  'error.CASE_UNWRITABLE': '事件に書き込めません（ディスクの空き不足、入出力エラー、または読み取り専用の媒体）。失われたものはありません。空きを作ってからもう一度実行すると再開します。',
  'error.CASE_DAMAGED': '事件のデータベースが破損しています。',
  'error.ALREADY_INGESTED': 'この取込元は既にこの事件に取り込まれています。',
  'error.INTERNAL': '内部エラーです。',
  'error.OFFLINE': 'アプリのエンジンが応答しません。',
};
