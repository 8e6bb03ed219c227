import { migrate } from '../db/migrate';
import { openDatabase } from '../db/open-database';
import { exitOnHelp, loadCliConfig } from './cli-context';

/** `npm run migrate`: applies pending migrations to the configured database and lists them. */
exitOnHelp(
  'usage: npm run migrate\n  applies pending SQL migrations to the configured database (DATABASE_URL or DATA_DIR)',
);
const config = loadCliConfig();
const db = await openDatabase(config);
try {
  const applied = await migrate(db);
  process.stdout.write(
    applied.length ? `Applied: ${applied.join(', ')}\n` : 'Nothing to apply: the schema is current.\n',
  );
} finally {
  await db.close();
}
