import fs from 'node:fs';
import type { AppConfig } from '../config';
import { lockDataFolder } from './data-folder-lock';
import type { Database } from './database';

/**
 * PostgreSQL when DATABASE_URL is set, else the embedded PGlite in DATA_DIR, locked to this process
 * (a second opener fails with `DataFolderLockedError` naming the holder; see data-folder-lock.ts).
 * Each driver is loaded only when chosen: PGlite's module alone costs ~45 MB of memory a server
 * deployment never needs.
 */
export async function openDatabase(
  config: Pick<AppConfig, 'databaseUrl' | 'dataDir'> & Partial<Pick<AppConfig, 'database'>>,
  onFault?: (message: string, error: Error) => void,
): Promise<Database> {
  if (config.databaseUrl) {
    const { openPostgresDatabase } = await import('./postgres-database');
    return openPostgresDatabase(config.databaseUrl, { ...config.database, onFault });
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  const release = lockDataFolder(config.dataDir);
  try {
    const { openPgliteDatabase } = await import('./pglite-database');
    const db = await openPgliteDatabase(config.dataDir);
    return {
      ...db,
      close: async () => {
        try {
          await db.close();
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}
