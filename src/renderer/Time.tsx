// One recorded time on screen (issue 14): local time in the display zone with its offset, the
// UTC instant on hover; a time recorded without an offset (EXIF DateTimeOriginal is a camera's
// clock) is shown as written and says that its zone is unknown, instead of pretending a zone.
import { useTranslation } from 'react-i18next';
import { displayZone, zonedTime } from './format.ts';

export function Time({ iso, testId }: { iso: string | null | undefined; testId?: string }) {
  const { t } = useTranslation();
  if (!iso) return null;
  const z = zonedTime(iso, displayZone());
  if (z.utc) {
    return (
      <time dateTime={iso} title={t('trip.utcHover', { utc: z.utc })} data-testid={testId}>
        {z.text}
      </time>
    );
  }
  return (
    <time dateTime={iso} title={t('trip.zoneUnknownTitle')} data-testid={testId}>
      {z.text} <span className="muted small zone-unknown">({t('trip.zoneUnknown')})</span>
    </time>
  );
}
