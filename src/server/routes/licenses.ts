import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_LICENSES_PAGE } from '../../constants.js';
import { LICENSE_NUMBER_PATTERN } from '../../protocol/index.js';
import { changeLicense, issueLicense, licenseOfMeter, listLicenses } from '../../services/index.js';
import { requireAnyOfficer, requireCustomer, requireSecurityOfficer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { CustomerLicense, LicenseAnswer, LicenseList } from '../responses.js';
import { answers, ReasonText, Username } from '../schemas.js';

// Meter licenses (issue 18 item 1): security officers issue, suspend, reinstate and revoke; any
// officer lists; a customer reads its own. Moving a meter is the MAC'd meter command `move`.

const LicenseNumber = Type.String({ pattern: LICENSE_NUMBER_PATTERN });
const Status = Type.Union([Type.Literal('issued'), Type.Literal('suspended'), Type.Literal('revoked')]);

/** The officers' side: security officers issue and change licenses, any officer lists them. */
export function licenseRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/admin/licenses',
      {
        schema: {
          summary: 'Issue a meter license to a customer; the tax id is sealed by a module and only its last four are kept in clear',
          tags: ['provider'],
          body: Type.Object(
            {
              user: Username,
              taxId: Type.String({ maxLength: 11, description: 'an EIN or SSN: nine digits, dashes allowed' }),
              licensingZip: Type.Optional(Type.String({ pattern: '^[0-9]{5}$', description: "default: the meter's licensing ZIP" })),
            },
            { additionalProperties: false },
          ),
          response: answers(LicenseAnswer),
        },
      },
      async (request) => {
        const officer = await requireSecurityOfficer(ctx.db, request);
        const { user, taxId, licensingZip } = request.body;
        return { license: await issueLicense(ctx, officer, user, taxId, licensingZip) };
      },
    );

    app.post(
      '/v1/admin/licenses/:licenseNumber/:action',
      {
        schema: {
          summary: 'Suspend, reinstate or revoke a meter license, with a reason (a revoked license is final)',
          tags: ['provider'],
          params: Type.Object({
            licenseNumber: LicenseNumber,
            action: Type.Union([Type.Literal('suspend'), Type.Literal('reinstate'), Type.Literal('revoke')]),
          }),
          body: Type.Object({ reason: ReasonText }, { additionalProperties: false }),
          response: answers(LicenseAnswer),
        },
      },
      async (request) => {
        const officer = await requireSecurityOfficer(ctx.db, request);
        return { license: await changeLicense(ctx, officer, request.params.licenseNumber, request.params.action, request.body.reason) };
      },
    );

    app.get(
      '/v1/admin/licenses',
      {
        schema: {
          summary: 'Meter licenses, newest first',
          tags: ['provider'],
          querystring: Type.Object(
            { status: Type.Optional(Status), limit: Type.Optional(Type.String({ pattern: '^[1-9]\\d{0,3}$', description: `at most ${MAX_LICENSES_PAGE}` })) },
            { additionalProperties: false },
          ),
          response: answers(LicenseList),
        },
      },
      async (request) => {
        await requireAnyOfficer(ctx.db, request);
        return {
          licenses: await listLicenses(ctx, request.query.status ?? null, Math.min(Number(request.query.limit ?? MAX_LICENSES_PAGE), MAX_LICENSES_PAGE)),
        };
      },
    );
  };
}

/** The customer's own license (a member's session too: it reads). */
export function customerLicenseRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/license',
      {
        schema: {
          summary: "The customer's own meter license and the meter's movements",
          tags: ['provider'],
          security: [{ session: [] }],
          response: answers(CustomerLicense),
        },
      },
      async (request) => licenseOfMeter(ctx, (await requireCustomer(ctx.db, request, 'balance')).meterId),
    );
  };
}
