import fs from 'node:fs';
import type { AppConfig } from '../config';
import type { Database } from './database';
import { openPgliteDatabase } from './pglite-database';
import { openPostgresDatabase } from './postgres-database';

export async function openDatabase(config: Pick<AppConfig, 'databaseUrl' | 'dataDir'>): Promise<Database> {
  if (config.databaseUrl) return openPostgresDatabase(config.databaseUrl);
  fs.mkdirSync(config.dataDir, { recursive: true });
  return openPgliteDatabase(config.dataDir);
}
