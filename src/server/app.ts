import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { MAX_BODY_BYTES, REQUEST_TIMEOUT_MS } from '../constants.js';
import type { ServerContext } from './context.js';
import { clientErrorProblem, frameworkProblem, installProblemHandlers } from './problem.js';
import { installRequestMetrics } from './request-metrics.js';
import { Problem } from './schemas.js';
import { addressRoutes } from './routes/addresses.js';
import { adminRoutes, meterCareRoutes } from './routes/admin.js';
import { accountRefundRoutes, careRoutes, passwordResetRoutes } from './routes/care.js';
import { billingRoutes } from './routes/billing.js';
import { historyRoutes } from './routes/history.js';
import { itemRoutes } from './routes/items.js';
import { meterRoutes } from './routes/meter.js';
import { paymentRoutes } from './routes/payments.js';
import { stripeWebhookRoutes } from './routes/stripe-webhook.js';
import { fundingRequestRoutes } from './routes/funding-requests.js';
import { mailRoutes } from './routes/mail.js';
import { metricsRoutes } from './routes/metrics.js';
import { approvalRoutes, officerRoutes, operationsRoutes } from './routes/operations.js';
import { profileRoutes } from './routes/profile.js';
import { bankAccountRoutes } from './routes/bank-accounts.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { memberRoutes } from './routes/members.js';
import { customerLicenseRoutes, licenseRoutes } from './routes/licenses.js';
import { providerReportFilingRoutes, providerReportReadingRoutes } from './routes/provider-reports.js';
import { publicRoutes } from './routes/public.js';
import { rateRoutes } from './routes/rates.js';
import { registrationRoutes } from './routes/registration.js';
import { sessionRoutes } from './routes/sessions.js';
import { transactionRoutes } from './routes/transactions.js';
import { verificationRoutes } from './routes/verification.js';

export interface AppOptions {
  readonly logger?: boolean;
}

export async function buildApp(ctx: ServerContext, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: MAX_BODY_BYTES,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Strict input: no silent coercion, no silently dropped fields.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    // Every 4xx is problem JSON, also the ones decided before a route runs.
    frameworkErrors: frameworkProblem,
    clientErrorHandler: clientErrorProblem,
  }).withTypeProvider<TypeBoxTypeProvider>();
  installProblemHandlers(app);
  installRequestMetrics(app, ctx.metrics);
  // Shared by every route's 4xx and 5xx answers, and one component in /openapi.json.
  app.addSchema(Problem);
  await app.register(swagger, {
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Vaultmeter API', version: '0.1.0', description: 'On-line meter for value-bearing items' },
      components: {
        securitySchemes: {
          session: { type: 'http', scheme: 'bearer', description: 'a session token, or an API key (vm_…) within its scopes' },
          officer: { type: 'http', scheme: 'basic' },
        },
      },
    },
  });
  await app.register(publicRoutes(ctx));
  await app.register(rateRoutes(ctx));
  await app.register(registrationRoutes(ctx));
  await app.register(sessionRoutes(ctx));
  await app.register(meterRoutes(ctx));
  await app.register(itemRoutes(ctx));
  await app.register(historyRoutes(ctx));
  await app.register(transactionRoutes(ctx));
  await app.register(adminRoutes(ctx));
  await app.register(meterCareRoutes(ctx));
  await app.register(careRoutes(ctx));
  await app.register(billingRoutes(ctx));
  await app.register(accountRefundRoutes(ctx));
  await app.register(passwordResetRoutes(ctx));
  await app.register(operationsRoutes(ctx));
  await app.register(officerRoutes(ctx));
  await app.register(approvalRoutes(ctx));
  await app.register(verificationRoutes(ctx));
  await app.register(addressRoutes(ctx));
  await app.register(profileRoutes(ctx));
  await app.register(bankAccountRoutes(ctx));
  await app.register(apiKeyRoutes(ctx));
  await app.register(memberRoutes(ctx));
  await app.register(licenseRoutes(ctx));
  await app.register(providerReportFilingRoutes(ctx));
  await app.register(providerReportReadingRoutes(ctx));
  await app.register(customerLicenseRoutes(ctx));
  await app.register(mailRoutes(ctx));
  await app.register(paymentRoutes(ctx));
  await app.register(fundingRequestRoutes(ctx));
  await app.register(stripeWebhookRoutes(ctx));
  await app.register(metricsRoutes(ctx));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
