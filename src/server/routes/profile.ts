import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  MAX_ADDRESS_CITY_LENGTH,
  MAX_ADDRESS_FIELD_LENGTH,
  MAX_ADDRESS_STATE_LENGTH,
  MAX_ADDRESS_ZIP_LENGTH,
  MAX_EMAIL_LENGTH,
  MAX_PROFILE_TEXT_LENGTH,
  PROFILE_UPDATE_RATE_BURST,
  PROFILE_UPDATE_RATE_PER_SEC,
} from '../../constants.js';
import { getProfile, updateProfile, verifyEmail } from '../../services/index.js';
import { requireCustomer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { RateLimiter } from '../rate-limit.js';
import { answers, Nullable } from '../schemas.js';
import { Profile, ProfileUpdated } from '../responses.js';

// The customer's profile and the verification of its e-mail address (issue 14). Text is printable:
// no control character reaches a mail or a label. The e-mail's syntax is the service's to check
// (invalid_email); the schema only bounds its length.

const Printable = (maxLength: number) => Type.String({ maxLength, pattern: '^[^\\x00-\\x1f\\x7f]*$' });

const ProfileBody = Type.Object(
  {
    name: Printable(MAX_PROFILE_TEXT_LENGTH),
    company: Printable(MAX_PROFILE_TEXT_LENGTH),
    address: Type.Object(
      {
        street: Printable(MAX_ADDRESS_FIELD_LENGTH),
        secondary: Printable(MAX_ADDRESS_FIELD_LENGTH),
        city: Printable(MAX_ADDRESS_CITY_LENGTH),
        state: Printable(MAX_ADDRESS_STATE_LENGTH),
        zip: Printable(MAX_ADDRESS_ZIP_LENGTH),
      },
      { additionalProperties: false },
    ),
    email: Nullable(Type.String({ maxLength: MAX_EMAIL_LENGTH + 16 })),
  },
  { additionalProperties: false },
);

export function profileRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  // Each change may send a mail to an address the customer names: bounded per customer.
  const limiter = new RateLimiter(PROFILE_UPDATE_RATE_PER_SEC, PROFILE_UPDATE_RATE_BURST);
  return async (app) => {
    app.get(
      '/v1/profile',
      { schema: { summary: "The customer's profile", tags: ['profile'], security: [{ session: [] }], response: answers(Profile) } },
      async (request) => getProfile(ctx.db, await requireCustomer(ctx.db, request, 'manage')),
    );

    app.put(
      '/v1/profile',
      {
        schema: {
          summary: 'Replace the profile; a new e-mail address is unverified and gets a verification mail',
          tags: ['profile'],
          security: [{ session: [] }],
          body: ProfileBody,
          response: answers(ProfileUpdated),
        },
      },
      async (request) => {
        const session = await requireCustomer(ctx.db, request, 'manage');
        limiter.take(`customer:${session.customerId}`);
        // Nullable() is an OpenAPI 3.0 schema TypeBox cannot type: the value is a string or null.
        return updateProfile(ctx, session, { ...request.body, email: request.body.email as string | null });
      },
    );

    app.post(
      '/v1/profile/email/verify',
      {
        schema: {
          summary: 'Verify the e-mail address with the one-time token from the verification mail',
          tags: ['profile'],
          security: [{ session: [] }],
          body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }) }, { additionalProperties: false }),
          response: answers(Profile),
        },
      },
      async (request) => verifyEmail(ctx, await requireCustomer(ctx.db, request, 'manage'), request.body.token),
    );
  };
}
