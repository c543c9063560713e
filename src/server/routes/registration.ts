import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CHALLENGE_RATE_BURST, CHALLENGE_RATE_PER_SEC, REGISTRATION_RATE_BURST, REGISTRATION_RATE_PER_SEC } from '../../constants.js';
import { beginRegistration, completeRegistration } from '../../services/index.js';
import type { ServerContext } from '../context.js';
import { RateLimiter } from '../rate-limit.js';
import { ACCOUNT_LOGIN_PATTERN, AccountLogin, answers, Base64, Hex32, MeterId } from '../schemas.js';
import { RegistrationBegun, RegistrationDone } from '../responses.js';

/** Registration (the patent's registration state): a pooled meter is bound to a new customer. */
export function registrationRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  // Each registration begun claims a pooled meter (or makes one); each completion is a module call.
  const begins = new RateLimiter(REGISTRATION_RATE_PER_SEC, REGISTRATION_RATE_BURST);
  const completions = new RateLimiter(CHALLENGE_RATE_PER_SEC, CHALLENGE_RATE_BURST);
  return async (app) => {
    app.post(
      '/v1/registrations',
      {
        schema: {
          summary: 'Begin registration: claim a meter and get the module proof and its ephemeral key',
          tags: ['registration'],
          body: Type.Object(
            {
              user: Type.String({ pattern: ACCOUNT_LOGIN_PATTERN, description: 'a new user name; or `owner+member` to accept an invitation (seal its code)' }),
              clientNonce: Hex32,
              sandbox: Type.Optional(
                Type.Boolean({
                  description: 'test mode: a sandbox meter, whose items are test items that never verify as postage; seal the same in the envelope',
                }),
              ),
            },
            { additionalProperties: false },
          ),
          response: answers(RegistrationBegun),
        },
      },
      async (request) => {
        begins.take(request.ip);
        const { begun, meter } = await beginRegistration(ctx, request.body.user, request.body.clientNonce, request.body.sandbox === true);
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
            { user: AccountLogin, meterId: MeterId, clientPublicKey: Type.String({ pattern: '^04[0-9a-f]{128}$' }), sealedSecrets: Base64 },
            { additionalProperties: false },
          ),
          response: answers(RegistrationDone),
        },
      },
      async (request) => {
        completions.take(request.ip);
        const { user, meterId, clientPublicKey, sealedSecrets } = request.body;
        const { result, session } = await completeRegistration(ctx, user, meterId, clientPublicKey, sealedSecrets);
        return { response: result.response, responseMac: result.responseMac, session };
      },
    );
  };
}
