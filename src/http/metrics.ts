import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { FinishedRequestObserver } from './finished-requests';

/**
 * Prometheus metrics, one registry per app instance (tests start several in one process). `domain`:
 * the services' own metrics, served with these.
 */
export function createMetrics(domain?: Registry) {
  const own = new Registry();
  collectDefaultMetrics({ register: own });
  const requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route template, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [own],
  });

  // One labelled child per (method, route, status), found by a string key: prom-client would
  // otherwise hash the label object on every request (this runs on the estimate hot path).
  const children = new Map<string, { observe(value: number): void }>();

  const observeRequest: FinishedRequestObserver = (req, res, ms, route) => {
    const key = `${req.method} ${route} ${res.statusCode}`;
    let child = children.get(key);
    if (!child) children.set(key, (child = requestDuration.labels(req.method, route, String(res.statusCode))));
    child.observe(ms / 1000);
  };

  // Merged last: a merged registry holds the metrics registered before it was made.
  const registry = domain ? Registry.merge([own, domain]) : own;
  return { registry, observeRequest };
}

export type Metrics = ReturnType<typeof createMetrics>;
