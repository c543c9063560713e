import type { ServiceContext } from '../services/index.js';

/** What the routes get: the services' context. */
export type ServerContext = ServiceContext;
