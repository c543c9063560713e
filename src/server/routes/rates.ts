import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_RATE_BUNDLE_BYTES } from '../../constants.js';
import { fail } from '../../errors.js';
import { formatMills } from '../../money.js';
import type { OfficerAuthorization as SignedAct } from '../../protocol/index.js';
import type { Price, Tier } from '../../rates/index.js';
import { listRateTables, quoteRates, submitRates } from '../../services/index.js';
import { requireSecurityOfficer } from '../auth.js';
import { RateLimiter } from '../rate-limit.js';
import type { ServerContext } from '../context.js';
import { answers, OfficerAuthorization } from '../schemas.js';
import { RateQuote, RatesSubmitted, RateTables } from '../responses.js';
import { approvalJson } from './operations.js';

// Postal Rate Info: quotes across every class (rate shopping) from the tables the modules price
// with, the tables themselves, and an officer's submission of a new one (dual control).

const Zip = Type.String({ pattern: '^\\d{5}(-?\\d{4})?$', description: 'ZIP or ZIP+4' });
const Tenths = (what: string) => Type.String({ pattern: '^\\d{1,4}(\\.\\d)?$', description: `${what}, to a tenth` });

const QuoteQuery = Type.Object(
  {
    from: Zip,
    to: Zip,
    weightOz: Tenths('weight in ounces'),
    length: Type.Optional(Tenths('length in inches')),
    width: Type.Optional(Tenths('width in inches')),
    height: Type.Optional(Tenths('height in inches')),
    date: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'mailing date (UTC); default today' })),
    class: Type.Optional(Type.String({ pattern: '^[A-Z0-9-]{1,16}$' })),
    tier: Type.Optional(Type.Union([Type.Literal('retail'), Type.Literal('commercial')])),
  },
  { additionalProperties: false },
);

const tenths = (s: string): number => Math.round(Number(s) * 10);

function dimsOf(q: Static<typeof QuoteQuery>): [number, number, number] | null {
  const given = [q.length, q.width, q.height].filter((d) => d !== undefined);
  if (given.length === 0) return null;
  if (given.length !== 3) fail('invalid_dimensions', 'give length, width and height together, or none');
  const dims = given.map(tenths);
  if (dims.some((d) => d <= 0)) fail('invalid_dimensions', 'each dimension is above zero');
  return dims as [number, number, number];
}

function dateOf(raw: string | undefined): string {
  const date = raw ?? new Date().toISOString().slice(0, 10);
  if (Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date)
    fail('invalid_request', `${date} is not a calendar date`);
  return date;
}

const zoneText = (z: Price['zone']): string => String(z);

function priceJson(p: Price) {
  return {
    class: p.classCode,
    name: p.className,
    tier: p.tier,
    zone: zoneText(p.zone),
    zoned: p.zoned,
    billedWeightOz: (p.billedTenthOz / 10).toFixed(1),
    priceMills: p.priceMills.toString(),
    price: formatMills(p.priceMills),
  };
}

/** Quotes are public and cost CPU: rate-limited per client address like the other public routes. */
export function rateRoutes(ctx: ServerContext, limiter = new RateLimiter()): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/rates',
      { schema: { summary: 'Price a piece in every mail class (rate shopping)', tags: ['rates'], querystring: QuoteQuery, response: answers(RateQuote) } },
      async (request) => {
        limiter.take(request.ip);
        const q = request.query;
        const weightTenthOz = tenths(q.weightOz);
        if (weightTenthOz <= 0) fail('invalid_request', 'the weight is above zero');
        const quote = await quoteRates(ctx, {
          fromZip: q.from.replace('-', ''),
          toZip: q.to.replace('-', ''),
          weightTenthOz,
          dimsTenthIn: dimsOf(q),
          date: dateOf(q.date),
          ...(q.class ? { classCode: q.class } : {}),
          ...(q.tier ? { tier: q.tier as Tier } : {}),
        });
        const zone = quote.prices[0]?.zone;
        return {
          rateTable: quote.rateTable,
          zone: zone === undefined ? '' : zoneText(zone),
          prices: quote.prices.map(priceJson),
          unpriced: quote.unpriced.map((u) => ({ class: u.classCode, tier: u.tier, code: u.code, message: u.message })),
        };
      },
    );

    app.get(
      '/v1/rates/tables',
      { schema: { summary: 'The rate tables the modules price with', tags: ['rates'], response: answers(RateTables) } },
      async (_req, reply) => {
        reply.header('cache-control', 'public, max-age=60');
        return { tables: await listRateTables(ctx) };
      },
    );

    app.post(
      '/v1/admin/rates',
      {
        bodyLimit: MAX_RATE_BUNDLE_BYTES,
        schema: {
          summary: 'Submit a rate table for installation; a second security officer approves it',
          tags: ['rates'],
          body: Type.Object(
            { bundle: Type.Object({ table: Type.Unknown(), zones: Type.Unknown() }, { additionalProperties: false }), authorization: OfficerAuthorization },
            { additionalProperties: false },
          ),
          response: answers(RatesSubmitted),
        },
      },
      async (request) => {
        const by = await requireSecurityOfficer(ctx.db, request);
        const { approval, rateTable } = await submitRates(ctx, by, request.body.bundle, request.body.authorization as SignedAct);
        return {
          approval: approvalJson(approval),
          rateTable,
          next: `a different security officer approves it: vaultmeter admin approve ${approval.approvalId}`,
        };
      },
    );
  };
}
