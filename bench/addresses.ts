// Address verifications per second: the built-in matcher in process (one core), and over HTTP
// (POST /v1/addresses/verify on Fastify over loopback, its rate limit lifted), on a few thousand
// varied inputs drawn from the real ZIP table: exact and sloppy addresses, wrong cities, states and
// ZIPs, missing ZIPs, misspelt cities, PO Boxes, units, and free-text lines.
//   npm run bench:addresses [-- --inputs 4000 --concurrency 16]
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AddressQuery } from '../src/address/index.js';
import { addressRoutes, RateLimiter, type ServerContext } from '../src/server/index.js';
import { Problem } from '../src/server/schemas.js';
import { BuiltInAddressVerifier, zipcodesTable } from '../src/services/index.js';
import { usRows } from '../src/services/addresses.js';
import { createRequire } from 'node:module';
import { prng } from './lib/prng.js';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const INPUTS = arg('--inputs', 4000);
const CONCURRENCY = arg('--concurrency', 16);

const STREETS = ['Main Street', 'N. Oak Avenue', 'Sunset Blvd', 'Lake Shore Drive', '5th Ave', 'Elm St. NW', 'Old Mill Crossing', 'Park Avenue South'];
const UNITS = ['', 'Apt 4B', 'Suite 500', '#12', '3rd Floor', 'Unit 7'];

function inputs(): AddressQuery[] {
  const places = usRows(createRequire(import.meta.url)('zipcodes').codes);
  const r = prng(28);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const kinds = [
    (p: (typeof places)[0]) => ({
      street: `${1 + Math.floor(r() * 9999)} ${pick(STREETS)}`,
      secondary: pick(UNITS),
      city: p.city,
      state: p.state,
      zip: p.zip5,
    }),
    (p: (typeof places)[0]) => ({
      street: `${1 + Math.floor(r() * 999)} ${pick(STREETS)}`.toLowerCase(),
      city: p.city.toLowerCase(),
      state: p.state,
      zip: `${p.zip5}-1234`,
    }),
    (p: (typeof places)[0]) => ({ street: `12 ${pick(STREETS)}`, city: pick(places).city, state: p.state, zip: p.zip5 }),
    (p: (typeof places)[0]) => ({ street: `12 ${pick(STREETS)}`, city: p.city, state: pick(places).state, zip: p.zip5 }),
    (p: (typeof places)[0]) => ({ street: `7 ${pick(STREETS)}`, city: p.city, state: p.state, zip: '00000' }),
    (p: (typeof places)[0]) => ({ street: `7 ${pick(STREETS)}`, city: p.city, state: p.state }),
    (p: (typeof places)[0]) => ({ street: `PO Box ${Math.floor(r() * 900)}`, city: `${p.city.slice(0, -1)}x`, state: p.state }),
    (p: (typeof places)[0]) => ({ line: `${Math.floor(r() * 9999)} ${pick(STREETS)} ${pick(UNITS)}, ${p.city}, ${p.state} ${p.zip5}` }),
    (p: (typeof places)[0]) => ({ line: `${Math.floor(r() * 9999)} ${pick(STREETS)} ${p.city} ${p.state} ${p.zip5}` }),
  ];
  return Array.from({ length: INPUTS }, (_, i) => kinds[i % kinds.length]!(pick(places)));
}

async function inProcess(queries: readonly AddressQuery[]): Promise<number> {
  const verifier = new BuiltInAddressVerifier();
  const pass = async () => {
    const t0 = performance.now();
    for (const q of queries) await verifier.verify(q);
    return queries.length / ((performance.now() - t0) / 1000);
  };
  await pass(); // warm up
  return Math.max(await pass(), await pass());
}

async function overHttp(queries: readonly AddressQuery[]): Promise<{ perSec: number; p50: number; p99: number }> {
  const app = Fastify({ logger: false, ajv: { customOptions: { removeAdditional: false, coerceTypes: false } } }).withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(Problem);
  await app.register(addressRoutes({ addresses: new BuiltInAddressVerifier() } as unknown as ServerContext, new RateLimiter(1e9, 1e9)));
  const url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/v1/addresses/verify`;
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < queries.length) {
      const q = queries[next++]!;
      const t0 = performance.now();
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(q) });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  await app.close();
  latencies.sort((a, b) => a - b);
  return { perSec: queries.length / seconds, p50: latencies[Math.floor(latencies.length / 2)]!, p99: latencies[Math.floor(latencies.length * 0.99)]! };
}

const t0 = performance.now();
zipcodesTable();
const loadMs = performance.now() - t0;
const queries = inputs();
const local = await inProcess(queries);
const http = await overHttp(queries);
const statuses = new Map<string, number>();
for (const q of queries) {
  const s = (await new BuiltInAddressVerifier().verify(q)).status;
  statuses.set(s, (statuses.get(s) ?? 0) + 1);
}
console.log(`address verification, ${queries.length} varied inputs (${[...statuses].map(([s, n]) => `${n} ${s}`).join(', ')})`);
console.log(`  ZIP table load (zipcodes@8.0.0, US rows, indexed): ${loadMs.toFixed(0)} ms, once per process`);
console.log(`  in process (the matcher, one core):                ${Math.round(local).toLocaleString('en-US')} verifications/s`);
console.log(
  `  over HTTP (Fastify, loopback, ${CONCURRENCY} in flight, client in the same process): ${Math.round(http.perSec).toLocaleString('en-US')} verifications/s, p50 ${http.p50.toFixed(2)} ms, p99 ${http.p99.toFixed(2)} ms`,
);
