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
  ACCESS_LOG_ESTIMATE_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(0.01),
  DEMO_DATA: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  // Which parts this process runs: api (HTTP), worker (scheduled and background jobs), or all.
  ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  SCHEDULER: z
    .enum(['on', 'off'])
    .default('on')
    .transform((v) => v === 'on'),
  MODELS_DIR: z.string().min(1).default('models'),
  TRAINED_MODELS_DIR: z.string().min(1).default('var/models'),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10_000),
  ESTIMATE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(60_000),
  JSON_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  BULK_JSON_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(10 * 1024 * 1024),
  SIGNED_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(10 * 1024 * 1024),
  IMPORT_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024 * 1024),
  IMPORT_LINE_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024),
  JSON_MAX_DEPTH: z.coerce.number().int().min(2).max(1000).default(64),
  IMPORTS_PER_KEY: z.coerce.number().int().positive().default(2),
  IMPORT_STALL_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  DB_POOL_SIZE: z.coerce.number().int().positive().default(10),
  DB_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  WORKER_THREADS: z.coerce.number().int().min(1).max(64).default(1),
  WORKER_THREAD_NICE: z.coerce.number().int().min(0).max(19).default(10),
  PLAN_WRITE_DELAY_RATIO: z.coerce.number().min(0).max(10).default(1),
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
  /** Share (0–1) of successful estimate requests written to the access log; every other request is logged. */
  accessLog: { estimateSampleRate: number };
  loadDemoData: boolean;
  schedulerEnabled: boolean;
  /** Shipped models (tracked in git). */
  modelsDir: string;
  /** Models trained here (git-ignored): training never writes into modelsDir. */
  trainedModelsDir: string;
  shutdownGraceMs: number;
  estimateRateLimitPerMinute: number;
  /** Request body limits, in bytes: ordinary JSON, bulk JSON imports, signed bodies, streamed imports (decoded). */
  limits: {
    jsonBodyBytes: number;
    bulkJsonBodyBytes: number;
    signedBodyBytes: number;
    importBodyBytes: number;
    importLineBytes: number;
    jsonMaxDepth: number;
    importsPerKey: number;
    /** Longest pause in an import's body while it holds a database transaction (PostgreSQL pre-orders): 408 beyond. */
    importStallTimeoutMs: number;
  };
  database: {
    poolSize: number;
    /** How long a request waits for a pooled connection before answering 503. */
    acquireTimeoutMs: number;
    /** Server-side limit on one statement (PostgreSQL `statement_timeout`). */
    statementTimeoutMs: number;
  };
  /** api: HTTP only; worker: scheduled and background jobs only (health on the port); all: both. */
  role: 'api' | 'worker' | 'all';
  /** Worker threads for plan computation and training (off the event loop that serves requests). */
  workerThreads: number;
  /**
   * How much lower the worker threads' CPU priority is than the thread serving requests (Linux
   * nice is per thread): when cores are short, a plan or a training run yields to estimates and holds.
   */
  workerThreadNice: number;
  /**
   * After writing each piece of a plan's rows, the planner pauses this many times as long as the
   * piece took (0: no pause), so a plan written beside live traffic takes at most 1 / (1 + ratio)
   * of a database core, in the manner of autovacuum's cost delay.
   */
  planWriteDelayRatio: number;
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
  if (e.ROLE !== 'all' && !e.DATABASE_URL) {
    // Replicas share one database; the embedded one belongs to a single process.
    throw new ConfigError([
      `ROLE: ${e.ROLE} runs beside other processes and needs a PostgreSQL server in DATABASE_URL (got ROLE=${JSON.stringify(env.ROLE)} without DATABASE_URL); the embedded database serves ROLE=all only`,
    ]);
  }
  return {
    role: e.ROLE,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    logLevel: e.LOG_LEVEL,
    accessLog: { estimateSampleRate: e.ACCESS_LOG_ESTIMATE_SAMPLE_RATE },
    loadDemoData: e.DEMO_DATA,
    schedulerEnabled: e.SCHEDULER,
    modelsDir: path.resolve(e.MODELS_DIR),
    trainedModelsDir: path.resolve(e.TRAINED_MODELS_DIR),
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    estimateRateLimitPerMinute: e.ESTIMATE_RATE_LIMIT_PER_MINUTE,
    limits: {
      jsonBodyBytes: e.JSON_BODY_LIMIT_BYTES,
      bulkJsonBodyBytes: e.BULK_JSON_BODY_LIMIT_BYTES,
      signedBodyBytes: e.SIGNED_BODY_LIMIT_BYTES,
      importBodyBytes: e.IMPORT_BODY_LIMIT_BYTES,
      importLineBytes: e.IMPORT_LINE_LIMIT_BYTES,
      jsonMaxDepth: e.JSON_MAX_DEPTH,
      importsPerKey: e.IMPORTS_PER_KEY,
      importStallTimeoutMs: e.IMPORT_STALL_TIMEOUT_MS,
    },
    database: {
      poolSize: e.DB_POOL_SIZE,
      acquireTimeoutMs: e.DB_ACQUIRE_TIMEOUT_MS,
      statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
    },
    workerThreads: e.WORKER_THREADS,
    workerThreadNice: e.WORKER_THREAD_NICE,
    planWriteDelayRatio: e.PLAN_WRITE_DELAY_RATIO,
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
    idempotencyLeaseMs: e.IDEMPOTENCY_LEASE_MS,
  };
}
