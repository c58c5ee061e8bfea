// The two drawings of report.html, as inline SVG (no script, no map tiles, nothing fetched): a
// timeline of the exported items and a scatter of their GPS positions on a latitude/longitude
// grid. Every label that comes from evidence is escaped by the caller's `esc`.

export interface TimelinePoint {
  id: number;
  /** Milliseconds since the epoch (UTC). */
  t: number;
  /** The time was recorded without a zone and is placed as if UTC. */
  zoneless: boolean;
  lane: string;
  title: string;
}

export interface GpsPoint {
  id: number;
  lat: number;
  lon: number;
  title: string;
}

type Esc = (s: string) => string;

const fmt = (n: number): string => (Math.round(n * 100) / 100).toString();

const LANE_COLOURS = ['#1f5fa8', '#b5471b', '#2e7d32', '#7b3fa0', '#8a6d00', '#00707a'];

/** Tick instants for a span: whole days, months or years, about `want` of them. */
function timeTicks(min: number, max: number, want: number): number[] {
  const DAY = 86_400_000;
  const span = max - min;
  const steps = [3_600_000, 6 * 3_600_000, DAY, 7 * DAY, 30 * DAY, 91 * DAY, 365 * DAY, 5 * 365 * DAY];
  const step = steps.find((s) => span / s <= want) ?? steps[steps.length - 1]!;
  const ticks: number[] = [];
  let t = Math.ceil(min / step) * step;
  if (step >= 30 * DAY) {
    // Months and years on their first day, so labels read as calendar dates.
    const d = new Date(min);
    const months = Math.round(step / (30 * DAY));
    t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    for (; t <= max; ) {
      ticks.push(t);
      const n = new Date(t);
      t = Date.UTC(n.getUTCFullYear(), n.getUTCMonth() + months, 1);
    }
    return ticks;
  }
  for (; t <= max; t += step) ticks.push(t);
  return ticks;
}

function tickLabel(t: number, span: number): string {
  const iso = new Date(t).toISOString();
  return span < 2 * 86_400_000 ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

/** An SVG timeline: one lane per exhibit, one dot per item, time axis in UTC. */
export function timelineSvg(points: TimelinePoint[], esc: Esc, laneLabel: (lane: string) => string): string {
  if (points.length === 0) return '';
  const lanes = [...new Set(points.map((p) => p.lane))];
  const W = 700;
  const left = 120;
  const right = 20;
  const laneH = 44;
  const top = 16;
  const H = top + lanes.length * laneH + 40;
  let min = Math.min(...points.map((p) => p.t));
  let max = Math.max(...points.map((p) => p.t));
  if (max - min < 3_600_000) {
    min -= 1_800_000;
    max += 1_800_000;
  } else {
    const pad = (max - min) * 0.04;
    min -= pad;
    max += pad;
  }
  const x = (t: number): number => left + ((t - min) / (max - min)) * (W - left - right);
  const out: string[] = [];
  out.push(`<svg class="plot timeline" viewBox="0 0 ${W} ${H}" width="100%" role="img">`);
  const axisY = top + lanes.length * laneH;
  for (const t of timeTicks(min, max, 10)) {
    const tx = fmt(x(t));
    out.push(`<line x1="${tx}" x2="${tx}" y1="${top}" y2="${axisY}" class="grid"/>`);
    out.push(`<text x="${tx}" y="${axisY + 16}" class="tick" text-anchor="middle">${esc(tickLabel(t, max - min))}</text>`);
  }
  out.push(`<line x1="${left}" x2="${W - right}" y1="${axisY}" y2="${axisY}" class="axis"/>`);
  lanes.forEach((lane, i) => {
    const y = top + i * laneH + laneH / 2;
    const colour = LANE_COLOURS[i % LANE_COLOURS.length]!;
    out.push(`<line x1="${left}" x2="${W - right}" y1="${y}" y2="${y}" class="lane"/>`);
    out.push(`<text x="${left - 8}" y="${y + 4}" class="lane-label" text-anchor="end">${esc(laneLabel(lane))}</text>`);
    // Items close in time alternate above and below the lane so their numbers stay readable.
    const mine = points.filter((p) => p.lane === lane).sort((a, b) => a.t - b.t || a.id - b.id);
    let lastX = -Infinity;
    let up = true;
    for (const p of mine) {
      const px = x(p.t);
      up = px - lastX < 26 ? !up : true;
      lastX = px;
      const fill = p.zoneless ? 'white' : colour;
      out.push(
        `<g><title>${esc(p.title)}</title><circle cx="${fmt(px)}" cy="${y}" r="4.5" fill="${fill}" stroke="${colour}" stroke-width="1.5"/>` +
          (mine.length <= 60 ? `<text x="${fmt(px)}" y="${up ? y - 8 : y + 16}" class="pt" text-anchor="middle">${p.id}</text>` : '') +
          '</g>',
      );
    }
  });
  out.push('</svg>');
  return out.join('');
}

/** A round step for about `want` ticks over `span` degrees. */
function niceStep(span: number, want: number): number {
  const raw = span / want;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function decimalsOf(step: number): number {
  return Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
}

/**
 * A scatter of GPS points on a latitude/longitude grid with labelled axes. Longitude is scaled by
 * cos(latitude) so distances look right near the points; the span is at least 0.01° (about 1 km).
 */
export function gpsSvg(points: GpsPoint[], esc: Esc, labels: { latitude: string; longitude: string }): string {
  if (points.length === 0) return '';
  let latMin = Math.min(...points.map((p) => p.lat));
  let latMax = Math.max(...points.map((p) => p.lat));
  let lonMin = Math.min(...points.map((p) => p.lon));
  let lonMax = Math.max(...points.map((p) => p.lon));
  const minSpan = 0.01;
  const padLat = Math.max((latMax - latMin) * 0.12, (minSpan - (latMax - latMin)) / 2, 0.002);
  const padLon = Math.max((lonMax - lonMin) * 0.12, (minSpan - (lonMax - lonMin)) / 2, 0.002);
  latMin = Math.max(-90, latMin - padLat);
  latMax = Math.min(90, latMax + padLat);
  lonMin = Math.max(-180, lonMin - padLon);
  lonMax = Math.min(180, lonMax + padLon);
  const k = Math.max(0.05, Math.cos((((latMin + latMax) / 2) * Math.PI) / 180));
  const left = 78;
  const bottom = 46;
  const top = 12;
  const right = 16;
  const plotW = 600;
  // Height follows the true aspect, kept within sensible bounds for a page.
  const aspect = (latMax - latMin) / ((lonMax - lonMin) * k);
  const plotH = Math.round(Math.min(520, Math.max(220, plotW * aspect)));
  const W = left + plotW + right;
  const H = top + plotH + bottom;
  const x = (lon: number): number => left + ((lon - lonMin) / (lonMax - lonMin)) * plotW;
  const y = (lat: number): number => top + ((latMax - lat) / (latMax - latMin)) * plotH;
  const out: string[] = [];
  out.push(`<svg class="plot gps" viewBox="0 0 ${W} ${H}" width="100%" role="img">`);
  out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" class="frame"/>`);
  const lonStep = niceStep(lonMax - lonMin, 6);
  const latStep = niceStep(latMax - latMin, 6);
  for (let v = Math.ceil(lonMin / lonStep) * lonStep; v <= lonMax + 1e-12; v += lonStep) {
    const tx = fmt(x(v));
    out.push(`<line x1="${tx}" x2="${tx}" y1="${top}" y2="${top + plotH}" class="grid"/>`);
    out.push(`<text x="${tx}" y="${top + plotH + 15}" class="tick" text-anchor="middle">${v.toFixed(decimalsOf(lonStep))}°</text>`);
  }
  for (let v = Math.ceil(latMin / latStep) * latStep; v <= latMax + 1e-12; v += latStep) {
    const ty = fmt(y(v));
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${ty}" y2="${ty}" class="grid"/>`);
    out.push(`<text x="${left - 6}" y="${fmt(y(v) + 4)}" class="tick" text-anchor="end">${v.toFixed(decimalsOf(latStep))}°</text>`);
  }
  out.push(`<text x="${left + plotW / 2}" y="${H - 8}" class="axis-label" text-anchor="middle">${esc(labels.longitude)}</text>`);
  out.push(
    `<text x="14" y="${top + plotH / 2}" class="axis-label" text-anchor="middle" transform="rotate(-90 14 ${top + plotH / 2})">${esc(labels.latitude)}</text>`,
  );
  for (const p of points) {
    const px = fmt(x(p.lon));
    const py = fmt(y(p.lat));
    out.push(
      `<g><title>${esc(p.title)}</title><circle cx="${px}" cy="${py}" r="4.5" class="pt-dot"/>` +
        (points.length <= 80 ? `<text x="${fmt(x(p.lon) + 7)}" y="${fmt(y(p.lat) - 6)}" class="pt">${p.id}</text>` : '') +
        '</g>',
    );
  }
  out.push('</svg>');
  return out.join('');
}
