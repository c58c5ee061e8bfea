// A GPS point on an offline base map: the country outlines and coastlines of the region around
// it (Natural Earth 1:50m, bundled: worldMap.ts, loaded only when a GPS item is opened), the
// point, its coordinates, and a whole-world inset (1:110m) with the region's frame, so a place
// in Cambodia, Myanmar or Japan is recognisable at a glance. No tiles, no network. Until the
// outlines have loaded (or if they cannot be), the latitude/longitude grid is drawn alone.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Country, WorldMap } from './worldMap.ts';
import './media.css';

const W = 340;
const H = 210;
/** The region: this many degrees of longitude each side of the point (about 900 km at the equator). */
const SPAN_LON = 8;
const MAP = { x: 8, y: 8, w: W - 16, h: H - 48 };
const INSET = { x: W - 8 - 96, y: H - 8 - 48 - 2, w: 96, h: 48 };

type Pt = [number, number];

/** An SVG path of rings through `project`, skipping points closer than half a pixel to the last kept. */
function pathOf(rings: Pt[][], project: (p: Pt) => Pt, close: boolean): string {
  const out: string[] = [];
  for (const ring of rings) {
    let last: Pt | null = null;
    let d = '';
    for (const p of ring) {
      const [x, y] = project(p);
      if (last && Math.abs(x - last[0]) < 0.5 && Math.abs(y - last[1]) < 0.5) continue;
      d += `${d ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`;
      last = [x, y];
    }
    if (d) out.push(close ? `${d}Z` : d);
  }
  return out.join('');
}

function overlaps(c: Country, lon0: number, lat0: number, lon1: number, lat1: number): boolean {
  return c.bbox[0] <= lon1 && c.bbox[2] >= lon0 && c.bbox[1] <= lat1 && c.bbox[3] >= lat0;
}

export function GpsPlot({ lat, lon }: { lat: number; lon: number }) {
  const { t } = useTranslation();
  const [world, setWorld] = useState<WorldMap | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    import('./worldMap.ts').then(
      (m) => live && setWorld(m.worldMap()),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, []);

  // The region: equirectangular, longitudes shrunk by cos(latitude) so shapes keep their proportions.
  const k = Math.max(Math.cos((lat * Math.PI) / 180), 0.2);
  const pxPerDeg = MAP.w / (2 * SPAN_LON);
  const spanLat = MAP.h / 2 / (pxPerDeg / k);
  const lon0 = lon - SPAN_LON;
  const lat1 = lat + spanLat;
  const project = ([lo, la]: Pt): Pt => [MAP.x + (lo - lon0) * pxPerDeg, MAP.y + ((lat1 - la) * pxPerDeg) / k];
  const [px, py] = project([lon, lat]);
  const wx = (lo: number) => INSET.x + ((lo + 180) / 360) * INSET.w;
  const wy = (la: number) => INSET.y + ((90 - la) / 180) * INSET.h;

  const grid: React.ReactNode[] = [];
  const step = SPAN_LON >= 5 ? 5 : 1;
  for (let lo = Math.ceil(lon0 / step) * step; lo <= lon + SPAN_LON; lo += step) {
    const [x] = project([lo, 0]);
    grid.push(<line key={`x${lo}`} x1={x} x2={x} y1={MAP.y} y2={MAP.y + MAP.h} className="grid" />);
  }
  for (let la = Math.ceil((lat - spanLat) / step) * step; la <= lat1; la += step) {
    const [, y] = project([0, la]);
    grid.push(<line key={`y${la}`} y1={y} y2={y} x1={MAP.x} x2={MAP.x + MAP.w} className="grid" />);
  }

  const shown = world ? world.detailed.filter((c) => overlaps(c, lon0, lat - spanLat, lon + SPAN_LON, lat1)) : [];
  const label = `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
  return (
    <svg
      className="gps-plot gps-map"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={label}
      data-testid="gps-plot"
      data-map={world ? 'loaded' : failed ? 'failed' : 'loading'}
      data-countries={shown.map((c) => c.name).join('|')}
    >
      <defs>
        <clipPath id="gps-map-clip">
          <rect x={MAP.x} y={MAP.y} width={MAP.w} height={MAP.h} />
        </clipPath>
      </defs>
      <rect x={MAP.x} y={MAP.y} width={MAP.w} height={MAP.h} className="sea" />
      <g clipPath="url(#gps-map-clip)">
        {shown.map((c) => (
          <path key={c.name} d={pathOf(c.rings, project, true)} className="country" data-testid="gps-country">
            <title>{c.name}</title>
          </path>
        ))}
        {grid}
      </g>
      <rect x={MAP.x} y={MAP.y} width={MAP.w} height={MAP.h} className="frame" />
      <circle cx={px} cy={py} r={9} className="halo" />
      <circle cx={px} cy={py} r={3.5} className="point" />
      <text x={MAP.x} y={H - 24} className="label coords" data-testid="gps-coords">
        {lat >= 0 ? 'N' : 'S'} {Math.abs(lat).toFixed(5)}° · {lon >= 0 ? 'E' : 'W'} {Math.abs(lon).toFixed(5)}°
      </text>
      <text x={MAP.x} y={H - 10} className="label">
        {world ? t('media.map.source') : failed ? t('media.map.failed') : t('common.loading')} · {step}°
      </text>
      <rect x={INSET.x} y={INSET.y} width={INSET.w} height={INSET.h} className="sea" />
      {world && <path d={pathOf(world.coarse, ([lo, la]) => [wx(lo), wy(la)], false)} className="coast" />}
      <rect x={wx(lon0)} y={wy(lat1)} width={Math.max(2, wx(lon + SPAN_LON) - wx(lon0))} height={Math.max(2, wy(lat - spanLat) - wy(lat1))} className="region" />
      <circle cx={wx(lon)} cy={wy(lat)} r={1.8} className="point" />
      <rect x={INSET.x} y={INSET.y} width={INSET.w} height={INSET.h} className="frame" />
    </svg>
  );
}
