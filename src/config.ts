import path from 'node:path';
import { z } from 'zod';

/**
 * The one config loader: environment variables parsed once, failing fast with the variable's name.
 * Everything else receives a typed `AppConfig`; nothing reads process.env directly.
 */
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  // An empty DATABASE_URL means "not set": the embedded database.
  DATABASE_URL: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  DATA_DIR: z.string().min(1).default('var/data'),
  LOG_LEVEL: z.enum(logLevels).default('info'),
  DEMO_DATA: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  SCHEDULER: z
    .enum(['on', 'off'])
    .default('on')
    .transform((v) => v === 'on'),
  MODELS_DIR: z.string().min(1).default('models'),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10_000),
  ESTIMATE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(60_000),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  IDEMPOTENCY_LEASE_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
});

export interface AppConfig {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  /** PGlite keeps its files here when DATABASE_URL is not set. */
  dataDir: string;
  logLevel: (typeof logLevels)[number];
  loadDemoData: boolean;
  schedulerEnabled: boolean;
  modelsDir: string;
  shutdownGraceMs: number;
  estimateRateLimitPerMinute: number;
  /** how long one webhook attempt waits for the receiver's answer */
  webhookTimeoutMs: number;
  /** how long a running request's Idempotency-Key claim holds without renewal (a dead process frees it after this) */
  idempotencyLeaseMs: number;
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map(
        (issue) => `${issue.path.join('.')}: ${issue.message} (got ${JSON.stringify(env[String(issue.path[0])])})`,
      ),
    );
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    logLevel: e.LOG_LEVEL,
    loadDemoData: e.DEMO_DATA,
    schedulerEnabled: e.SCHEDULER,
    modelsDir: path.resolve(e.MODELS_DIR),
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    estimateRateLimitPerMinute: e.ESTIMATE_RATE_LIMIT_PER_MINUTE,
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
    idempotencyLeaseMs: e.IDEMPOTENCY_LEASE_MS,
  };
}
