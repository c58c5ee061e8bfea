// Strings of the fixes for "what users tripped over" (issue 14): the exhibit form's time picker
// and condition, times with their zone, the skip link, the first steps of an empty case.
export const tripEn = {
  trip: {
    condition: 'Condition',
    conditionPlaceholder: 'e.g. screen cracked, powered off, in a Faraday bag',
    zone: 'Time zone',
    zoneOwn: '{{zone}} (this computer)',
    recordedAs: 'Recorded as {{iso}}',
    problems: 'Please correct these before recording the exhibit:',
    skipToTable: 'Skip to the items',
    utcHover: 'UTC: {{utc}}',
    zoneUnknown: 'zone unknown',
    zoneUnknownTitle: 'The camera did not record its time zone: this is the camera’s clock, with no offset.',
    firstStepsTitle: 'This case is empty. What to do first:',
    firstStepExhibit: 'Record the seized device as an exhibit (number, seal, who seized it, when and where).',
    firstStepIngest: 'Ingest its export (a folder, ZIP, UFDR, iPhone or Android backup) into that exhibit.',
    firstStepExhibitButton: 'Record an exhibit',
    firstStepIngestButton: 'Ingest an export',
    ingestNeedsExhibit: 'An ingest needs an exhibit: record one first.',
    resizeDetail: 'Width of the item panel (drag, or ← →)',
  },
} as const;

type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };

export const tripJa: Shape<typeof tripEn> = {
  trip: {
    condition: '状態',
    conditionPlaceholder: '例：画面割れ、電源オフ、電波遮断袋に収納',
    zone: 'タイムゾーン',
    zoneOwn: '{{zone}}（このコンピューター）',
    recordedAs: '記録される値：{{iso}}',
    problems: '証拠品を記録する前に、次の点を直してください：',
    skipToTable: '項目一覧へ移動',
    utcHover: 'UTC：{{utc}}',
    zoneUnknown: 'タイムゾーン不明',
    zoneUnknownTitle: 'カメラはタイムゾーンを記録していません。オフセットのないカメラの時計の時刻です。',
    firstStepsTitle: 'この事件はまだ空です。最初にすること：',
    firstStepExhibit: '押収した機器を証拠品として記録します（番号、封印、押収者、日時と場所）。',
    firstStepIngest: 'その証拠品に、機器の抽出データ（フォルダ、ZIP、UFDR、iPhone または Android のバックアップ）を取り込みます。',
    firstStepExhibitButton: '証拠品を記録',
    firstStepIngestButton: 'データを取り込む',
    ingestNeedsExhibit: '取込には証拠品が必要です。先に証拠品を記録してください。',
    resizeDetail: 'アイテム欄の幅（ドラッグ、または ← →）',
  },
};
