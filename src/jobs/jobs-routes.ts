import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/actor.ts';
import { ok } from '../domain/result.ts';
import { sendResult } from '../http/http-errors.ts';
import { actorOf } from '../http/request-auth.ts';
import { bearer, commonErrors, Nullable } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { leaseMsOf } from './job-leases.ts';
import { JOBS } from './jobs.ts';

const JobSchema = Type.Object({
  name: Type.String(),
  intervalMs: Type.Integer({ description: 'how often a process runs it' }),
  everyProcess: Type.Boolean({ description: 'runs in every process, each claiming its own rows; otherwise in the one holding its lease' }),
  leaseMs: Nullable(Type.Integer({ description: 'how long a lease lasts unless renewed' })),
  lease: Nullable(Type.Object({
    holder: Type.String({ description: 'host/pid/random of the process running it' }),
    heldUntil: Type.String({ description: 'ISO-8601 UTC; renewed before and during each run' }),
    takenAt: Type.String({ description: 'since when this holder has run it' }),
  }, { description: 'the latest holder; a heldUntil in the past: no process holds it now (its holder stopped renewing it: it died), the next to tick takes it. null: none has run it since it was given back, or it runs in every process' })),
});

/** Which process runs each scheduled job (docs/architecture.md, "Jobs in several processes"). */
export async function jobRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.get('/v1/admin/jobs', {
    schema: {
      tags: ['operations'], summary: 'The scheduled jobs and which process holds each one\'s lease (admin)', security: bearer,
      response: { 200: Type.Object({ data: Type.Array(JobSchema) }), ...commonErrors },
    },
  }, async (request, reply) => {
    const denied = requireRole(actorOf(request), ['admin']);
    if (denied) return sendResult(reply, denied);
    const leases = new Map((await ctx.db.selectFrom('job_leases').selectAll().execute()).map((row) => [row.job, row]));
    return sendResult(reply, ok({
      data: JOBS.map((job) => {
        const lease = leases.get(job.name);
        return {
          name: job.name, intervalMs: job.intervalMs, everyProcess: job.everyProcess === true, leaseMs: job.everyProcess ? null : leaseMsOf(job),
          lease: lease ? { holder: lease.holder, heldUntil: lease.held_until, takenAt: lease.taken_at } : null,
        };
      }),
    }));
  });
}
