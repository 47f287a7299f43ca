import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sendError, sendResult } from '../http/http-errors.ts';
import { actorOf, SESSION_COOKIE, tokenOf } from '../http/request-auth.ts';
import { bearer, commonErrors, MsisdnInput, NoContent, Nullable, PageOf, pageQueryOf } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { ROLES } from './actor.ts';
import { listApiKeys, listUsers, revokeApiKey, insertAudit, findUserById } from './auth-repository.ts';
import type { Authenticator } from './authenticate.ts';
import { cutPage } from '../domain/page.ts';
import { createApiKey } from './create-api-key.ts';
import { createUser } from './create-user.ts';
import { logIn } from './log-in.ts';
import { logOut } from './log-out.ts';
import { linkLine } from './link-line.ts';
import { updateUser } from './update-user.ts';
import { cursorRefusal } from '../store/cursor-row.ts';

const RoleSchema = Type.Union(ROLES.map((role) => Type.Literal(role)));
const UserSchema = Type.Object({ id: Type.String(), login: Type.String(), role: RoleSchema, displayName: Nullable(Type.String()) });
/** A user as listed, as created (`NewUser`) and as changed (`UserAdminView`). */
const ListedUserSchema = Type.Composite([UserSchema, Type.Object({ createdAt: Type.String(), disabled: Type.Boolean() })]);
/** An API key as listed; the create answer adds the key itself. */
const ApiKeySchema = Type.Object({ id: Type.String(), name: Type.String(), role: RoleSchema, prefix: Type.String(), sourceAccountId: Nullable(Type.String()), createdAt: Type.String(), revoked: Type.Boolean() });

export async function authRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const server = app as FastifyInstance & { authenticator: Authenticator };

  app.post('/v1/auth/login', {
    schema: {
      tags: ['auth'], summary: 'Log in with phone number (subscribers) or login name (staff) and password',
      body: Type.Object({ login: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ token: Type.String(), expiresAt: Type.String(), user: Type.Object({ id: Type.String(), login: Type.String(), role: Type.String() }) }), ...commonErrors },
    },
  }, async (request, reply) => {
    const body = request.body as { login: string; password: string };
    const result = await logIn(ctx, { ...body, ip: request.ip });
    if (!result.ok) return sendError(reply, result.error);
    reply.setCookie(SESSION_COOKIE, result.value.token, { httpOnly: true, sameSite: 'lax', path: '/', secure: /^https:/i.test(ctx.settings.publicUrl), expires: new Date(result.value.expiresAt) });
    return result.value;
  });

  app.post('/v1/auth/logout', { schema: { tags: ['auth'], summary: 'End this session', security: bearer, response: { 204: NoContent, ...commonErrors } } }, async (request, reply) => {
    actorOf(request);
    const token = tokenOf(request)!;
    await logOut(ctx, token);
    server.authenticator.forget(token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });

  app.get('/v1/auth/me', {
    schema: {
      tags: ['auth'], summary: 'Who am I', security: bearer,
      response: { 200: Type.Object({ id: Type.String(), kind: Type.Union([Type.Literal('user'), Type.Literal('api_key')]), role: RoleSchema, login: Nullable(Type.String()), displayName: Nullable(Type.String()) }), ...commonErrors },
    },
  }, async (request) => {
    const actor = actorOf(request);
    const user = actor.kind === 'user' ? await findUserById(ctx, actor.id) : undefined;
    return { id: actor.id, kind: actor.kind, role: actor.role, login: user?.login ?? null, displayName: user?.display_name ?? null };
  });

  app.post('/v1/users', {
    schema: {
      tags: ['staff'], summary: 'Create a staff user or a subscriber login (admin)', security: bearer,
      body: Type.Object({
        login: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 200 }), role: RoleSchema,
        displayName: Type.Optional(Type.String({ maxLength: 100 })),
      }, { additionalProperties: false }),
      response: { 201: ListedUserSchema, ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await createUser(ctx, actorOf(request), request.body as never), 201));

  app.post('/v1/users/:id/lines', {
    schema: {
      tags: ['staff'], summary: 'Add a line to a subscriber login: several SIMs on one login (admin, clerk)', security: bearer,
      params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
      body: Type.Object({ msisdn: MsisdnInput }, { additionalProperties: false }),
      response: { 201: Type.Object({ userId: Type.String(), lineId: Type.String(), msisdn: Type.String({ description: 'E.164' }) }), ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await linkLine(ctx, actorOf(request), (request.params as { id: string }).id, (request.body as { msisdn: string }).msisdn), 201));

  app.patch('/v1/users/:id', {
    schema: {
      tags: ['staff'], summary: 'Disable or enable a login, set a new password or a display name (admin); disabling and a new password end its sessions', security: bearer,
      params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
      body: Type.Object({
        disabled: Type.Optional(Type.Boolean()), password: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), displayName: Type.Optional(Type.String({ maxLength: 100 })),
      }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: ListedUserSchema, ...commonErrors },
    },
  }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const result = await updateUser(ctx, actorOf(request), id, request.body as never);
    if (result.ok) server.authenticator.forgetActor(id);
    return sendResult(reply, result);
  });

  app.get('/v1/users', {
    schema: {
      tags: ['staff'], summary: 'List users (admin), oldest first (cursor pagination)', security: bearer, querystring: pageQueryOf('usr'),
      response: { 200: PageOf(ListedUserSchema), ...commonErrors },
    },
  }, async (request, reply) => {
    const actor = actorOf(request);
    if (actor.role !== 'admin') return sendError(reply, { code: 'forbidden' });
    const query = request.query as { limit: number; cursor?: string };
    const refused = await cursorRefusal(ctx, 'users', query.cursor);
    if (refused) return sendResult(reply, refused);
    const page = cutPage(await listUsers(ctx, query.limit + 1, query.cursor ?? null), query.limit);
    return { data: page.rows.map((u) => ({ id: u.id, login: u.login, role: u.role, displayName: u.display_name, createdAt: u.created_at, disabled: u.disabled_at !== null })), nextCursor: page.nextCursor };
  });

  app.post('/v1/api-keys', {
    schema: {
      tags: ['staff'], summary: 'Create an API key for a machine (admin); the key is shown once', security: bearer,
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), role: RoleSchema, sourceAccountId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) }, { additionalProperties: false }),
      response: { 201: Type.Composite([ApiKeySchema, Type.Object({ key: Type.String({ description: 'shown once: only a hash is stored' }) })]), ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await createApiKey(ctx, actorOf(request), request.body as never), 201));

  app.get('/v1/api-keys', {
    schema: {
      tags: ['staff'], summary: 'List API keys (admin), oldest first (cursor pagination); secrets are never shown again', security: bearer,
      querystring: pageQueryOf('key'),
      response: { 200: PageOf(ApiKeySchema), ...commonErrors },
    },
  }, async (request, reply) => {
    const actor = actorOf(request);
    if (actor.role !== 'admin') return sendError(reply, { code: 'forbidden' });
    const query = request.query as { limit: number; cursor?: string };
    const refused = await cursorRefusal(ctx, 'api_keys', query.cursor);
    if (refused) return sendResult(reply, refused);
    const page = cutPage(await listApiKeys(ctx, query.limit + 1, query.cursor ?? null), query.limit);
    return {
      data: page.rows.map((k) => ({ id: k.id, name: k.name, role: k.role, prefix: k.prefix, sourceAccountId: k.source_account_id, createdAt: k.created_at, revoked: k.revoked_at !== null })),
      nextCursor: page.nextCursor,
    };
  });

  app.delete('/v1/api-keys/:id', {
    schema: { tags: ['staff'], summary: 'Revoke an API key (admin)', security: bearer, params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 204: NoContent, ...commonErrors } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    if (actor.role !== 'admin') return sendError(reply, { code: 'forbidden' });
    const { id } = request.params as { id: string };
    if (!(await revokeApiKey(ctx, id))) return sendError(reply, { code: 'api_key_not_found' });
    server.authenticator.forgetActor(id);
    await insertAudit(ctx, actor, 'api_key.revoke', id);
    return reply.code(204).send();
  });
}
