// The GPS preview's base map data (src/renderer/worldMap.ts) is bundled and decoded offline: the
// Natural Earth outlines come from the world-atlas package on disk (no tiles, no network), with
// countries an officer needs to recognise (Cambodia, Myanmar, Japan) as real polygons around
// the places they hold, and the coastlines for the world inset.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { worldMap } from '../../src/renderer/worldMap.ts';

/** Even-odd test of a point inside any of a country's rings. */
function inside(rings: [number, number][][], [x, y]: [number, number]): boolean {
  let odd = false;
  for (const r of rings) {
    for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
      const [xi, yi] = r[i]!;
      const [xj, yj] = r[j]!;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) odd = !odd;
    }
  }
  return odd;
}

test('the bundled outlines load with no network and hold the countries around known places', () => {
  const fetched: string[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((u: string) => {
    fetched.push(String(u));
    throw new Error('no network');
  }) as typeof fetch;
  try {
    const map = worldMap();
    assert.ok(map.detailed.length > 200, `${map.detailed.length} countries`);
    assert.ok(map.coarse.length > 50, 'coastlines for the inset');
    const country = (name: string) => map.detailed.find((c) => c.name === name)!;
    for (const [name, place] of [
      ['Cambodia', [104.93, 11.56]],
      ['Myanmar', [96.16, 16.84]],
      ['Japan', [139.69, 35.69]],
    ] as const) {
      const c = country(name);
      assert.ok(c, name);
      assert.ok(inside(c.rings, [place[0], place[1]]), `${name} holds ${place}`);
      assert.ok(c.rings.reduce((n, r) => n + r.length, 0) > 100, `${name} at 1:50m detail`);
    }
    assert.ok(!inside(country('Thailand').rings, [104.93, 11.56]), 'Phnom Penh is not in Thailand');
  } finally {
    globalThis.fetch = realFetch;
  }
  assert.deepEqual(fetched, []);
});
