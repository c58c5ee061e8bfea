// The case's time zone in the header (issue 14): the zone every time of the case is shown in
// (e.g. Asia/Phnom_Penh, +07:00), chosen once for the case and kept in its settings through the
// engine (setCaseTimeZone, a custody event), so the case reads the same on every machine.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { getClient } from './api.ts';
import { offsetText, ownZone, zoneChoices, zoneOffsetMinutes } from './format.ts';
import type { Signed } from './SignIn.tsx';
import './trip.css';

/** "+07:00 Phnom Penh": compact for the header; the full IANA name is the option's title. */
function zoneLabel(zone: string): string {
  const city = zone.includes('/') ? zone.slice(zone.lastIndexOf('/') + 1).replace(/_/g, ' ') : zone;
  return `${offsetText(zoneOffsetMinutes(new Date(), zone))} ${city}`;
}

export function CaseZone(props: { zone: string | null | undefined; signed: Signed; onChanged: () => void }) {
  const { t } = useTranslation();
  const [error, setError] = useState<string | null>(null);
  const zone = props.zone ?? null;
  const shown = zone ?? ownZone();
  // A reviewer reads the case's times but does not change how they read (the engine refuses too).
  if (props.signed.role === 'reviewer') {
    return (
      <span title={shown} data-testid="case-zone">
        {zoneLabel(shown)}
      </span>
    );
  }
  const choices = [...new Set([...(zone ? [zone] : []), ...zoneChoices()])];
  const change = async (next: string) => {
    setError(null);
    try {
      await getClient().call('setCaseTimeZone', { session: props.signed.session, zone: next || null });
      props.onChanged();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <select
      className="case-zone"
      value={zone ?? ''}
      title={error ?? `${t('trip.zone')}: ${shown}`}
      aria-label={t('trip.zone')}
      aria-invalid={error ? true : undefined}
      onChange={(e) => void change(e.target.value)}
      data-testid="case-zone"
    >
      {!zone && <option value="">{t('trip.zoneOwn', { zone: zoneLabel(shown) })}</option>}
      {choices.map((z) => (
        <option key={z} value={z} title={z}>
          {zoneLabel(z)}
        </option>
      ))}
    </select>
  );
}
