import { Router, type NextFunction, type Request, type Response } from 'express';
import { AppError } from '../../http/app-error';
import { bodyChunks, decodeBody, readRawBody } from '../../http/body';
import type { ResponseBody } from '../../http/contract';
import type { Principal } from '../../http/principal';
import type { Idempotency } from '../../http/idempotency';
import { allowRoles, pathId, principalOf } from '../../http/request-context';
import { pageRequest } from '../../http/pagination';
import { parseInput } from '../../http/validate';
import { parseRecords, recordsOfArray, type RecordFormat } from '../../shared/record-stream';
import {
  batchEnvelopeSchema,
  preorderInputSchema,
  preorderListQuerySchema,
  signalSummaryQuerySchema,
} from './signals.schemas';
import type { RecordSource, SignalsService } from './signals.service';

/** Columns parsed as numbers in CSV imports, per kind. */
const NUMERIC_COLUMNS = {
  preorders: new Set(['quantity']),
  social: new Set(['value']),
  tokenHolders: new Set(['holders', 'tokens']),
  events: new Set(['quantity']),
} as const;

const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'];

/** POST routes whose JSON bodies may be large (≤ 10,000 rows): the app gives them the bulk body limit. */
export const BULK_JSON_PATHS = [
  /^\/v1\/drops\/[^/]+\/(preorders|social-signals|token-holder-snapshots)\/?$/,
  /^\/v1\/inventory-events\/?$/,
];

export interface ImportLimits {
  /** Longest NDJSON/CSV line (and CSV record). */
  importLineBytes: number;
  /** Most decoded bytes of one streamed import. */
  importBodyBytes: number;
  /** Most bytes of a signed body (read whole: the MAC covers every byte). */
  signedBodyBytes: number;
  /** Imports one key may run at once on this replica. */
  importsPerKey: number;
  /** Longest pause in a body while the import holds a database transaction. */
  importStallTimeoutMs: number;
}

type BodyFormat = 'json' | RecordFormat;

function bodyFormat(req: Request): BodyFormat {
  if (req.is('application/json')) return 'json';
  if (req.is(NDJSON_TYPES)) return 'ndjson';
  if (req.is('text/csv')) return 'csv';
  throw new AppError(
    'unsupported_media_type',
    'Send rows as application/json ({"rows": [...]}), application/x-ndjson or text/csv',
  );
}

/**
 * The rows of an import request: the bulk JSON body (already parsed by the JSON middleware,
 * at most 10,000 rows) or the request stream decoded and parsed as it arrives (NDJSON or CSV,
 * lines bounded, total bounded).
 */
function recordsOf(req: Request, numericColumns: ReadonlySet<string>, limits: ImportLimits): RecordSource {
  const format = bodyFormat(req);
  if (format === 'json') return [recordsOfArray(parseInput(batchEnvelopeSchema, req.body).rows)];
  return parseRecords(bodyChunks(req, limits.importBodyBytes, 'The import'), format, numericColumns, {
    maxLineBytes: limits.importLineBytes,
  });
}

const signatureHeaders = (req: Request) => ({
  timestamp: req.get('x-signature-timestamp'),
  signature: req.get('x-signature'),
});

/**
 * A signed request's rows, after its signature checked out against `partnerId`'s secret. What can
 * be checked without the body (headers, timestamp, the partner's secret) is checked first, so an
 * unsigned or stale request is refused before a byte of its body is read.
 */
async function signedRecords(
  signals: SignalsService,
  req: Request,
  partnerId: string,
  limits: ImportLimits,
): Promise<{ principal: Principal; records: RecordSource; raw: Buffer }> {
  const format = bodyFormat(req);
  if (format === 'json') {
    throw new AppError(
      'unsupported_media_type',
      'Signed requests carry application/x-ndjson or text/csv: the signature covers the raw body bytes',
    );
  }
  const headers = signatureHeaders(req);
  const secret = await signals.partnerSecretForSignedRequest(partnerId, headers);
  const raw = await readRawBody(req, limits.signedBodyBytes, 'A signed body');
  const principal = signals.verifyPartnerSignatureWith(secret, partnerId, headers, raw);
  // The signature covers the bytes as sent; a compressed body is decoded after it checked out.
  const body = decodeBody(raw, req.get('content-encoding') ?? 'identity', limits.importBodyBytes);
  return {
    principal,
    records: parseRecords([body], format, NUMERIC_COLUMNS.events, { maxLineBytes: limits.importLineBytes }),
    raw,
  };
}

/**
 * At most `perKey` imports at once per key on this replica (429 beyond): imports are long, and one
 * key must not take every connection and worker a replica has.
 */
export function importConcurrencyLimit(perKey: number) {
  const running = new Map<string, number>();
  return (req: Request, res: Response, next: NextFunction) => {
    const key = req.principal?.keyId ?? `ip:${req.ip ?? ''}`;
    const count = running.get(key) ?? 0;
    if (count >= perKey) {
      throw new AppError('rate_limited', `This key already runs ${count} import(s); wait for one to finish`, {
        headers: { 'Retry-After': '5' },
        extensions: { limit: perKey },
      });
    }
    running.set(key, count + 1);
    res.once('close', () => {
      const left = (running.get(key) ?? 1) - 1;
      if (left <= 0) running.delete(key);
      else running.set(key, left);
    });
    next();
  };
}

export function signalsRoutes(signals: SignalsService, limits: ImportLimits): Router {
  const router = Router();
  const preorderWriters = allowRoles('admin', 'storefront');
  const creatorSide = allowRoles('admin', 'creator');
  const oneImportSlot = importConcurrencyLimit(limits.importsPerKey);

  router.post('/v1/drops/:dropId/preorders', preorderWriters, oneImportSlot, async (req, res) => {
    const dropId = pathId(req, 'dropId');
    const body: ResponseBody<'importPreorders', 200> = await signals.importPreorders(
      principalOf(req),
      dropId,
      recordsOf(req, NUMERIC_COLUMNS.preorders, limits),
      { stallTimeoutMs: limits.importStallTimeoutMs },
    );
    res.json(body);
  });
  router.get('/v1/drops/:dropId/preorders', allowRoles('admin', 'creator', 'storefront'), async (req, res) => {
    const { limit, cursor, ...filter } = parseInput(preorderListQuerySchema, req.query, 'query');
    const body: ResponseBody<'listPreorders', 200> = await signals.listPreorders(
      principalOf(req),
      pathId(req, 'dropId'),
      filter,
      pageRequest({ limit, cursor }),
    );
    res.json(body);
  });
  router.get(
    '/v1/drops/:dropId/preorders/:preorderId',
    allowRoles('admin', 'creator', 'storefront'),
    async (req, res) => {
      const body: ResponseBody<'getPreorder', 200> = await signals.getPreorder(
        principalOf(req),
        pathId(req, 'dropId'),
        pathId(req, 'preorderId'),
      );
      res.json(body);
    },
  );
  router.put('/v1/drops/:dropId/preorders/:preorderId', preorderWriters, async (req, res) => {
    const dropId = pathId(req, 'dropId');
    const preorderId = pathId(req, 'preorderId');
    const saved = await signals.putPreorder(
      principalOf(req),
      dropId,
      preorderId,
      parseInput(preorderInputSchema, req.body),
    );
    const body: ResponseBody<'putPreorder', 200> = saved.resource;
    res.status(saved.created ? 201 : 200).json(body);
  });

  router.post('/v1/drops/:dropId/social-signals', creatorSide, oneImportSlot, async (req, res) => {
    const dropId = pathId(req, 'dropId');
    const body: ResponseBody<'importSocialSignals', 200> = await signals.importSocialSignals(
      principalOf(req),
      dropId,
      recordsOf(req, NUMERIC_COLUMNS.social, limits),
    );
    res.json(body);
  });
  router.post('/v1/drops/:dropId/token-holder-snapshots', creatorSide, oneImportSlot, async (req, res) => {
    const dropId = pathId(req, 'dropId');
    const records = recordsOf(req, NUMERIC_COLUMNS.tokenHolders, limits);
    const body: ResponseBody<'importTokenHolderSnapshots', 200> = await signals.importTokenHolderSnapshots(
      principalOf(req),
      dropId,
      records,
    );
    res.json(body);
  });

  router.post('/v1/inventory-events', allowRoles('admin', 'partner', 'storefront'), oneImportSlot, async (req, res) => {
    const principal = principalOf(req);
    // A partner key may also sign; then the signature must hold as well.
    const signed =
      principal.role === 'partner' &&
      (req.get('x-signature') !== undefined || req.get('x-signature-timestamp') !== undefined);
    const records = signed
      ? (await signedRecords(signals, req, principal.partnerId, limits)).records
      : recordsOf(req, NUMERIC_COLUMNS.events, limits);
    const body: ResponseBody<'importInventoryEvents', 200> = await signals.importInventoryEvents(principal, records);
    res.json(body);
  });

  router.get('/v1/drops/:dropId/signal-summary', creatorSide, async (req, res) => {
    const query = parseInput(signalSummaryQuerySchema, { ...req.query }, 'query');
    const body: ResponseBody<'getSignalSummary', 200> = await signals.getSignalSummary(
      principalOf(req),
      pathId(req, 'dropId'),
      query,
    );
    res.json(body);
  });

  router.post('/v1/partners/:partnerId/signing-secret', allowRoles('admin'), async (req, res) => {
    const body: ResponseBody<'rotatePartnerSigningSecret', 201> = await signals.rotatePartnerSigningSecret(
      pathId(req, 'partnerId'),
    );
    res.status(201).json(body);
  });

  return router;
}

/**
 * Partner systems that sign instead of presenting an API key. Mounted before /v1 authentication:
 * it takes only requests that carry X-Partner-Id and no API key; everything else passes on to the
 * key-authenticated routes.
 */
export function signedSignalsRoutes(
  signals: SignalsService,
  limits: ImportLimits,
  idempotency: Pick<Idempotency, 'begin'>,
): Router {
  const router = Router();
  const oneImportSlot = importConcurrencyLimit(limits.importsPerKey);
  router.post('/v1/inventory-events', async (req, res, next) => {
    const partnerId = req.get('x-partner-id');
    if (!partnerId || req.get('authorization') !== undefined || req.get('x-api-key') !== undefined) {
      next();
      return;
    }
    const { principal, records, raw } = await signedRecords(signals, req, partnerId, limits);
    req.principal = principal;
    await new Promise<void>((resolve) => oneImportSlot(req, res, () => resolve()));
    // The signing partner's Idempotency-Key, checked once the signature has said who it is.
    if ((await idempotency.begin(req, res, raw)) === 'answered') return;
    const body: ResponseBody<'importInventoryEvents', 200> = await signals.importInventoryEvents(principal, records);
    res.json(body);
  });
  return router;
}
