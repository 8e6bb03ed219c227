import { Router, type Request } from 'express';
import { AppError } from '../../http/app-error';
import type { ResponseBody } from '../../http/contract';
import type { Principal } from '../../http/principal';
import { requestBody, type Idempotency } from '../../http/idempotency';
import { allowRoles, pathId, principalOf } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import { parseRecords, recordsOfArray, type RecordFormat } from './core/record-stream';
import { batchEnvelopeSchema, preorderInputSchema, signalSummaryQuerySchema } from './signals.schemas';
import type { RecordSource, SignalsService } from './signals.service';

/** Columns parsed as numbers in CSV imports, per kind. */
const NUMERIC_COLUMNS = {
  preorders: new Set(['quantity']),
  social: new Set(['value']),
  tokenHolders: new Set(['holders', 'tokens']),
  events: new Set(['quantity']),
} as const;

const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'];
/** Signed bodies are read whole (the MAC covers every byte), so they have the JSON parser's limit. */
const SIGNED_BODY_LIMIT_BYTES = 20 * 1024 * 1024;

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
 * at most 10,000 rows) or the request stream parsed as it arrives (NDJSON or CSV, unbounded).
 */
function recordsOf(req: Request, numericColumns: ReadonlySet<string>): RecordSource {
  const format = bodyFormat(req);
  if (format === 'json') return [recordsOfArray(parseInput(batchEnvelopeSchema, req.body).rows)];
  return parseRecords(requestBody(req), format, numericColumns);
}

async function readWholeBody(req: Request, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of requestBody(req)) {
    size += chunk.length;
    if (size > limit)
      throw new AppError('payload_too_large', `Signed bodies are limited to ${limit} bytes; split the import`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const signatureHeaders = (req: Request) => ({
  timestamp: req.get('x-signature-timestamp'),
  signature: req.get('x-signature'),
});

/** A signed request's rows, after its signature checked out against `partnerId`'s secret. */
async function signedRecords(
  signals: SignalsService,
  req: Request,
  partnerId: string,
): Promise<{ principal: Principal; records: RecordSource; body: Buffer }> {
  const format = bodyFormat(req);
  if (format === 'json') {
    throw new AppError(
      'unsupported_media_type',
      'Signed requests carry application/x-ndjson or text/csv: the signature covers the raw body bytes',
    );
  }
  const body = await readWholeBody(req, SIGNED_BODY_LIMIT_BYTES);
  const principal = await signals.verifyPartnerSignature(partnerId, signatureHeaders(req), body);
  return { principal, records: parseRecords([body], format, NUMERIC_COLUMNS.events), body };
}

export function signalsRoutes(signals: SignalsService): Router {
  const router = Router();
  const preorderWriters = allowRoles('admin', 'storefront');
  const creatorSide = allowRoles('admin', 'creator');

  router.post('/v1/drops/:dropId/preorders', preorderWriters, async (req, res) => {
    const dropId = pathId(req, 'dropId');
    const body: ResponseBody<'importPreorders', 200> = await signals.importPreorders(
      principalOf(req),
      dropId,
      recordsOf(req, NUMERIC_COLUMNS.preorders),
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

  router.post('/v1/drops/:dropId/social-signals', creatorSide, async (req, res) => {
    const dropId = pathId(req, 'dropId');
    const body: ResponseBody<'importSocialSignals', 200> = await signals.importSocialSignals(
      principalOf(req),
      dropId,
      recordsOf(req, NUMERIC_COLUMNS.social),
    );
    res.json(body);
  });
  router.post('/v1/drops/:dropId/token-holder-snapshots', creatorSide, async (req, res) => {
    const dropId = pathId(req, 'dropId');
    const records = recordsOf(req, NUMERIC_COLUMNS.tokenHolders);
    const body: ResponseBody<'importTokenHolderSnapshots', 200> = await signals.importTokenHolderSnapshots(
      principalOf(req),
      dropId,
      records,
    );
    res.json(body);
  });

  router.post('/v1/inventory-events', allowRoles('admin', 'partner', 'storefront'), async (req, res) => {
    const principal = principalOf(req);
    // A partner key may also sign; then the signature must hold as well.
    const signed =
      principal.role === 'partner' &&
      (req.get('x-signature') !== undefined || req.get('x-signature-timestamp') !== undefined);
    const records = signed
      ? (await signedRecords(signals, req, principal.partnerId)).records
      : recordsOf(req, NUMERIC_COLUMNS.events);
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
export function signedSignalsRoutes(signals: SignalsService, idempotency: Pick<Idempotency, 'begin'>): Router {
  const router = Router();
  router.post('/v1/inventory-events', async (req, res, next) => {
    const partnerId = req.get('x-partner-id');
    if (!partnerId || req.get('authorization') !== undefined || req.get('x-api-key') !== undefined) {
      next();
      return;
    }
    const { principal, records, body: raw } = await signedRecords(signals, req, partnerId);
    req.principal = principal;
    // The signing partner's Idempotency-Key, checked once the signature has said who it is.
    if ((await idempotency.begin(req, res, raw)) === 'answered') return;
    const body: ResponseBody<'importInventoryEvents', 200> = await signals.importInventoryEvents(principal, records);
    res.json(body);
  });
  return router;
}
