import type { Db } from 'pg-boss';
import type { Database } from '../db/database';

/**
 * pg-boss on our Database interface, for both engines: on PGlite the queue lives in the embedded
 * database in this process (`npm start` needs nothing else); on PostgreSQL it shares the service's
 * pool. A statement with parameters is one query; one without may be a script of several (pg-boss's
 * schema, and its `BEGIN; lock; … RETURNING …; COMMIT` blocks), whose rows come back flattened.
 */
export function bossDatabase(db: Database): Db {
  return {
    async executeSql(text: string, values?: unknown[]) {
      if (values && values.length > 0) return { rows: (await db.query(text, values)).rows };
      return { rows: await db.exec(text) };
    },
    // Workers wake on NOTIFY when on-demand work is queued (polling stays as a fallback). Our
    // listener reports a reconnect as 'reconnected': pg-boss then looks for what it missed.
    async listen(channel: string, onNotification: (payload: string) => void, onReconnect: () => void) {
      const unsubscribe = await db.listen(channel, (payload) =>
        payload === 'reconnected' ? onReconnect() : onNotification(payload),
      );
      onReconnect();
      return { close: unsubscribe };
    },
  };
}
