import type { Database } from '../db/database';
import type { Logger } from './logger';

/**
 * PostgreSQL LISTEN/NOTIFY as a tiny event bus between replicas. Triggers (migration 0006) notify
 * 'mf_catalog', 'mf_stock' and 'mf_keys' at commit; in-memory caches subscribe here and refresh.
 */
export type ChangeChannel = 'mf_catalog' | 'mf_stock' | 'mf_keys';

export interface ChangeFeed {
  on(channel: ChangeChannel, handler: (payload: string) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createChangeFeed(db: Database, logger: Logger): ChangeFeed {
  const handlers = new Map<ChangeChannel, ((payload: string) => void)[]>();
  const unsubscribes: (() => Promise<void>)[] = [];
  return {
    on(channel, handler) {
      handlers.set(channel, [...(handlers.get(channel) ?? []), handler]);
    },
    async start() {
      for (const [channel, list] of handlers) {
        unsubscribes.push(
          await db.listen(channel, (payload) => {
            for (const handler of list) {
              try {
                handler(payload);
              } catch (error) {
                logger.error({ err: error, channel }, 'change handler failed');
              }
            }
          }),
        );
      }
    },
    async stop() {
      await Promise.allSettled(unsubscribes.splice(0).map((unsubscribe) => unsubscribe()));
    },
  };
}
