// Database clients: Prisma (through the pg driver adapter, no native engine) for the data model,
// and a plain pg Pool for what Prisma does not do (LISTEN/NOTIFY, advisory locks, migrations).
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client';

export type { PrismaClient };

export function createPrisma(url: string, poolSize = 10): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: poolSize }) });
}

export function createPool(url: string, poolSize = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client losing its connection (Postgres restarted) must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/** The database name and a URL for another database on the same server. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Password-free form of a connection URL, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}
