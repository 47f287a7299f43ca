import type { Job } from '../jobs/job.ts';
import { autoRenewJob } from './auto-renew-job.ts';
import { expireBucketsJob } from './expire-buckets-job.ts';
import { expireBonusJob } from '../promotions/expire-bonus-job.ts';

/** Renewals run before forfeiture, so that a bucket an extending renewal carries over is not forfeited first. */
export const PACKAGE_JOBS: Job[] = [autoRenewJob, expireBucketsJob, expireBonusJob];
