// The offline base map's data: Natural Earth country outlines (world-atlas 2.0.2, public domain
// data, ISC package) decoded from TopoJSON with topojson-client. Loaded only when a GPS item is
// opened (GpsPlot imports this module dynamically, so Vite puts the ~0.9 MB of outlines in their
// own chunk, read from the app's files: no tiles, no network).
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countries50 from 'world-atlas/countries-50m.json' with { type: 'json' };
import countries110 from 'world-atlas/countries-110m.json' with { type: 'json' };

/** One country: its name and its polygons' rings as [lon, lat] points, with a bounding box to skip it quickly. */
export interface Country {
  name: string;
  rings: [number, number][][];
  bbox: [number, number, number, number];
}

export interface WorldMap {
  /** 1:50m outlines, for the view around the point. */
  detailed: Country[];
  /** 1:110m land rings, for the whole-world inset. */
  coarse: [number, number][][];
}

function ringsOf(geom: GeoJSON.Geometry | null): [number, number][][] {
  if (!geom) return [];
  if (geom.type === 'Polygon') return geom.coordinates as [number, number][][];
  if (geom.type === 'MultiPolygon') return (geom.coordinates as [number, number][][][]).flat();
  return [];
}

function countriesOf(topo: Topology): Country[] {
  const fc = feature(topo, topo.objects['countries'] as GeometryCollection<{ name: string }>);
  return fc.features.map((f) => {
    const rings = ringsOf(f.geometry);
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const r of rings) {
      for (const [x, y] of r) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
    return { name: f.properties?.name ?? '', rings, bbox: [x0, y0, x1, y1] };
  });
}

let cached: WorldMap | null = null;
/** The decoded outlines (decoded once per window). */
export function worldMap(): WorldMap {
  if (cached) return cached;
  const coarseTopo = countries110 as unknown as Topology;
  const land = mesh(coarseTopo, coarseTopo.objects['land'] as GeometryCollection);
  cached = {
    detailed: countriesOf(countries50 as unknown as Topology),
    coarse: land.coordinates as [number, number][][],
  };
  return cached;
}
