export { buildApp, type AppOptions } from './app.js';
export { type ServerContext } from './context.js';
export { buildMetricsListener } from './routes/metrics.js';
export { addressRoutes } from './routes/addresses.js';
export { rateRoutes } from './routes/rates.js';
export { RateLimiter } from './rate-limit.js';
