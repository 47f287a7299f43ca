import type { Job } from './job.ts';
import { purgeIdempotencyKeysJob } from './purge-idempotency-keys.ts';
import { purgeRetentionJob } from './purge-retention.ts';
import { deliverWebhooksJob } from '../partners/deliver-webhooks-job.ts';
import { PAYMENT_JOBS } from '../payments/payment-jobs.ts';
import { PACKAGE_JOBS } from '../packages/package-jobs.ts';
import { lifecycleJob } from '../lifecycle/lifecycle-job.ts';
import { creditJob } from '../credit/credit-job.ts';
import { remindersJob } from '../reminders/reminders-job.ts';
import { sendSmsJob } from '../sms/send-sms-job.ts';

/** Every scheduled job of the product. A capability adds its jobs here (one line each). */
export const JOBS: Job[] = [purgeIdempotencyKeysJob, purgeRetentionJob, deliverWebhooksJob, ...PACKAGE_JOBS, ...PAYMENT_JOBS, creditJob, lifecycleJob, remindersJob, sendSmsJob];
