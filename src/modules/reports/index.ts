/** Reports: how a drop went, after it closed. The public surface. */
export { createReportsService, type ReportsService } from './reports.service';
export { reportsRoutes } from './reports.routes';
