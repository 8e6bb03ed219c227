/** Returns: units sent back, their inspection, and their way back into stock. The public surface. */
export { createReturnsService, type ReturnsService } from './returns.service';
export { returnsRoutes } from './returns.routes';
export { returnsReaders } from './returns.readers';
