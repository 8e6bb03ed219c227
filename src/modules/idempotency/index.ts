/** Idempotency: the first answer to a creating request, replayed for its retries. The public surface. */
export { createIdempotencyService, type IdempotencyService } from './idempotency.service';
