import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  body: string;
  /** when the request arrived (ms since the epoch) */
  at: number;
}

/** What the receiver does with one request: answer (`status`) after `delayMs`, or drop the connection (a crash). */
export interface Behaviour {
  delayMs?: number;
  crash?: boolean;
  status?: number;
}

/**
 * A tiny local webhook receiver on 127.0.0.1 (ephemeral port). `status` decides the answer;
 * `behave` (given the delivery id, how many times this receiver has seen it, and the request's path)
 * can choose the answer, delay it or drop the connection. It keeps what a careful receiver keeps:
 * the delivery ids it has processed (a duplicate is answered 2xx and dropped), and how many
 * requests of one delivery id were in flight at once.
 */
export async function startWebhookReceiver(
  status: () => number = () => 200,
  behave: (deliveryId: string, seen: number, url: string) => Behaviour = () => ({}),
) {
  const received: ReceivedWebhook[] = [];
  /** delivery ids processed (a receiver that dedupes by the delivery id processes each once) */
  const processed = new Set<string>();
  /** requests for a delivery id already processed: answered 2xx and dropped */
  let duplicatesDropped = 0;
  const seen = new Map<string, number>();
  const inFlight = new Map<string, number>();
  /** delivery id → the most requests of it in flight at once at this receiver */
  const maxConcurrent = new Map<string, number>();
  /** when each delivery id was first answered 2xx (ms since the epoch) */
  const answeredAt = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const deliveryId = String(req.headers['x-webhook-delivery-id'] ?? req.headers['x-webhook-id'] ?? '');
      const count = (seen.get(deliveryId) ?? 0) + 1;
      seen.set(deliveryId, count);
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const now = (inFlight.get(deliveryId) ?? 0) + 1;
      inFlight.set(deliveryId, now);
      maxConcurrent.set(deliveryId, Math.max(maxConcurrent.get(deliveryId) ?? 0, now));
      const behaviour = behave(deliveryId, count, req.url ?? '');
      const finish = () => {
        inFlight.set(deliveryId, (inFlight.get(deliveryId) ?? 1) - 1);
        if (behaviour.crash) {
          req.socket.destroy();
          return;
        }
        const code = behaviour.status ?? status();
        if (code >= 200 && code < 300) {
          if (processed.has(deliveryId)) duplicatesDropped += 1;
          else {
            processed.add(deliveryId);
            answeredAt.set(deliveryId, Date.now());
          }
        }
        res.statusCode = code;
        res.end('ok');
      };
      if (behaviour.delayMs) setTimeout(finish, behaviour.delayMs);
      else finish();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return {
    url,
    received,
    processed,
    answeredAt,
    maxConcurrent,
    duplicatesDropped: () => duplicatesDropped,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
