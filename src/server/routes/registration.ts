import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { fail } from '../../errors.js';
import { inTransaction, repo } from '../../store/index.js';
import { openSession } from '../auth.js';
import type { ServerContext } from '../context.js';
import { provisionMeter } from '../meter-pool.js';
import { onMeter } from '../module-tx.js';
import { answers, Base64, Hex32, MeterId, Username } from '../schemas.js';
import { RegistrationBegun, RegistrationDone } from '../responses.js';

/** Registration (the patent's registration state): a pooled meter is bound to a new customer. */
export function registrationRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/registrations',
      {
        schema: {
          summary: 'Begin registration: claim a meter and get the module proof and its ephemeral key',
          tags: ['registration'],
          body: Type.Object({ user: Username, clientNonce: Hex32 }, { additionalProperties: false }),
          response: answers(RegistrationBegun),
        },
      },
      async (request) => {
        const { user, clientNonce } = request.body;
        const claimed = await meterForRegistration(ctx, user);
        const { begun, meter } = await onMeter(ctx, 'registerBegin', claimed.meterId, () => ({ clientNonce, logExtra: { username: user } }), async (_tx, begun, meter) => ({ begun, meter }));
        return {
          meterId: meter.meterId,
          meterCertificatePem: meter.certificatePem,
          meterCertSerialHex: begun.meterCertSerialHex,
          moduleSerial: begun.moduleSerial,
          moduleCertificatePem: begun.moduleCertPem,
          caCertificatePem: ctx.caCertPem,
          ephemeralPublicKey: begun.ephemeralPublicKey,
          proofSignature: begun.proofSignature,
        };
      },
    );

    app.post(
      '/v1/registrations/complete',
      {
        schema: {
          summary: 'Complete registration: deliver the sealed client MAC key and password to the module',
          tags: ['registration'],
          body: Type.Object(
            { user: Username, meterId: MeterId, clientPublicKey: Type.String({ pattern: '^04[0-9a-f]{128}$' }), sealedSecrets: Base64 },
            { additionalProperties: false },
          ),
          response: answers(RegistrationDone),
        },
      },
      async (request) => {
        const { user, meterId, clientPublicKey, sealedSecrets } = request.body;
        const customer = await repo.findCustomer(ctx.db, user);
        if (!customer || customer.meterId !== meterId) fail('not_found', 'begin the registration first');
        if (customer.registeredAt) fail('user_exists');
        return onMeter(ctx, 'registerComplete', meterId, () => ({ clientPublicKey, sealedSecrets }), async (tx, done) => {
          await repo.markCustomerRegistered(tx, customer.customerId);
          return { response: done.response, responseMac: done.responseMac, session: await openSession(tx, customer.customerId) };
        });
      },
    );
  };
}

/** The meter for this user name: the one already claimed by an unfinished registration, or a pooled one. */
async function meterForRegistration(ctx: ServerContext, user: string) {
  const existing = await repo.findCustomer(ctx.db, user);
  if (existing?.registeredAt) fail('user_exists');
  if (existing) return (await repo.getMeter(ctx.db, existing.meterId))!;
  for (let attempt = 0; attempt < 2; attempt++) {
    const claimed = await inTransaction(ctx.db, async (tx) => {
      const meter = await repo.claimUnassignedMeter(tx);
      if (!meter) return null;
      if (!(await repo.insertCustomer(tx, user, meter.meterId))) fail('user_exists');
      return meter;
    });
    if (claimed) return claimed;
    await provisionMeter(ctx); // the pool ran dry: make one now
  }
  return fail('pool_empty');
}
