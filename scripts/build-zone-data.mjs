// Builds data/zones/zip3-centroids.json from the `zipcodes` npm dataset: for each 3-digit ZIP
// prefix, the mean latitude and longitude of its 5-digit ZIPs (US only), in 1/10,000 degree.
// Integers keep the file's bytes, and so the hash officers sign, the same on every machine.
// Run with `npm run data:zones` after upgrading `zipcodes`.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const zipcodes = require('zipcodes');
const pkg = require('zipcodes/package.json');

const sums = new Map();
for (const z of Object.values(zipcodes.codes)) {
  if (z.country !== 'US' || !/^\d{5}$/.test(z.zip) || typeof z.latitude !== 'number') continue;
  const key = z.zip.slice(0, 3);
  const s = sums.get(key) ?? { lat: 0, lon: 0, n: 0, states: new Map() };
  s.lat += z.latitude;
  s.lon += z.longitude;
  s.n += 1;
  s.states.set(z.state, (s.states.get(z.state) ?? 0) + 1);
  sums.set(key, s);
}
const centroids = {};
const states = {};
for (const key of [...sums.keys()].sort()) {
  const s = sums.get(key);
  centroids[key] = [Math.round((s.lat / s.n) * 10_000), Math.round((s.lon / s.n) * 10_000)];
  states[key] = [...s.states.entries()].sort((a, b) => b[1] - a[1])[0][0];
}
// APO/FPO/DPO mail travels domestic legs to a military gateway: its prefixes are priced from the
// gateway's area (AA: Miami, AE: New York JFK, AP: San Francisco), an approximation the README states.
const GATEWAYS = { AA: '331', AE: '114', AP: '941' };
for (const [key, state] of Object.entries(states)) {
  const gateway = GATEWAYS[state];
  if (gateway) centroids[key] = centroids[gateway];
}
const out = {
  format: 'vaultmeter-zones/1',
  method: 'zip3-distance',
  source: `zipcodes ${pkg.version} (npm): mean latitude/longitude of each 3-digit ZIP prefix's 5-digit ZIPs`,
  centroids,
  states,
  // Zone 9 is the Freely Associated States and the Pacific territories' prefix.
  zone9: ['969'],
};
writeFileSync(new URL('../data/zones/zip3-centroids.json', import.meta.url), `${JSON.stringify(out)}\n`);
console.log(`wrote ${Object.keys(centroids).length} ZIP3 centroids`);
