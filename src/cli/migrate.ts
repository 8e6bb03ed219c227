import { loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { openDatabase } from '../db/open-database';

/** `npm run migrate`: applies pending migrations to the configured database and lists them. */
const config = loadConfig();
const db = await openDatabase(config);
try {
  const applied = await migrate(db);
  process.stdout.write(
    applied.length ? `Applied: ${applied.join(', ')}\n` : 'Nothing to apply: the schema is current.\n',
  );
} finally {
  await db.close();
}
