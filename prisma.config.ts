// Prisma CLI configuration. The JS engine and the pg adapter keep every Prisma command offline.
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

// The CLI needs DATABASE_URL to parse the schema even for commands that never connect.
process.env.DATABASE_URL ??= 'postgresql://claude_flow@127.0.0.1:5432/claude_flow';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  async adapter() {
    return new PrismaPg({ connectionString: process.env.DATABASE_URL });
  },
});
