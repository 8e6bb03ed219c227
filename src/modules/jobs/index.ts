/** Jobs: long work asked for with `Prefer: respond-async`, and its status. The public surface. */
export { createJobsService, type JobsService } from './jobs.service';
export { jobsRoutes } from './jobs.routes';
