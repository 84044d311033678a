import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { SiteId } from '../../domain/site-id.js';
import { allowsSite } from '../query-access.js';
import type { GoalsService } from '../settings/goals.js';
import type { SavedFunnels } from '../settings/saved-funnels.js';
import { notFound } from '../settings/setting-input.js';
import type { SharedLinks } from '../settings/shared-links.js';

export interface SettingsRouteOptions {
  goals: GoalsService;
  funnels: SavedFunnels;
  links: SharedLinks;
}

const SITE = SiteId;
const SiteQuery = Type.Object({ site_id: SITE }, { additionalProperties: false });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const DeleteQuery = Type.Object({ site_id: Type.Optional(SITE) }, { additionalProperties: false });
const Property = Type.Union([
  Type.Object({ key: Type.String(), value: Type.String() }),
  Type.Null(),
]);
const Goal = Type.Object({
  id: Type.String(),
  site_id: Type.String(),
  name: Type.String(),
  page_path: Type.Union([Type.String(), Type.Null()]),
  event_name: Type.Union([Type.String(), Type.Null()]),
  property: Property,
  created_at: Type.String(),
});
const Funnel = Type.Object({
  id: Type.String(),
  site_id: Type.String(),
  name: Type.String(),
  steps: Type.Array(Type.Unknown()),
  created_at: Type.String(),
});
const Link = Type.Object({
  id: Type.String(),
  site_id: Type.String(),
  name: Type.String(),
  has_password: Type.Boolean(),
  created_at: Type.String(),
});
const NewLink = Type.Object({ ...Link.properties, token: Type.String(), url: Type.String() });
/** The services check bodies field by field (naming the field of any mistake); OpenAPI shows these. */
const raw = () => (data: unknown) => ({ value: data });
/** A dashboard's read: a shared link of the site may ask it. */
const dashboardRead = { sharedLink: true };
/** A change, or the site's links: keys only. */
const keysOnly = { sharedLink: false };
// The record's own site decides who may delete it; the query-auth hook leaves that to the route.
const recordSite = { ...keysOnly, siteFromRecord: true };

/**
 * Goals, saved funnels and shared links of a site (docs/settings-api.md). Same access rules as the
 * query: a key scoped to other sites neither reads nor changes them (another site's record is a
 * 404, so ids leak nothing), and a shared link changes nothing (every route but the two lists closes to links).
 */
export function settingsRoutes(parent: FastifyInstance, options: SettingsRouteOptions): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const deleteRecord = async (
    request: FastifyRequest,
    id: string,
    wanted: string | undefined,
    service: {
      siteOf(id: string): Promise<string>;
      remove(site: string, id: string): Promise<void>;
    },
    what: string,
  ) => {
    const site = await service.siteOf(id);
    if (!allowsSite(request.queryAccess, site) || (wanted !== undefined && wanted !== site))
      notFound(what);
    await service.remove(site, id);
  };

  app.post(
    '/analytics/goals',
    {
      config: keysOnly,
      schema: {
        tags: ['settings'],
        summary:
          'Create a goal: { site_id, name?, event_name, property? } or { site_id, name?, page_path }',
        body: Type.Object({
          site_id: SITE,
          name: Type.Optional(Type.String()),
          event_name: Type.Optional(Type.String()),
          page_path: Type.Optional(Type.String()),
          property: Type.Optional(Type.Object({ key: Type.String(), value: Type.String() })),
        }),
        response: { 201: Goal },
      },
      validatorCompiler: raw,
    },
    async (request, reply) => {
      return reply.status(201).send(await options.goals.create(request.body));
    },
  );
  app.get(
    '/analytics/goals',
    {
      config: dashboardRead,
      schema: {
        tags: ['settings'],
        summary: "A site's goals",
        querystring: SiteQuery,
        response: { 200: Type.Object({ goals: Type.Array(Goal) }) },
      },
    },
    async (request) => ({ goals: await options.goals.list(request.query.site_id) }),
  );
  app.delete(
    '/analytics/goals/:id',
    {
      config: recordSite,
      schema: {
        tags: ['settings'],
        summary: 'Delete a goal',
        params: IdParams,
        querystring: DeleteQuery,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await deleteRecord(request, request.params.id, request.query.site_id, options.goals, 'goal');
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/analytics/funnels',
    {
      config: keysOnly,
      schema: {
        tags: ['settings'],
        summary: 'Save a funnel definition: { site_id, name, steps: [filter, …] } (2 to 8 steps)',
        body: Type.Object({
          site_id: SITE,
          name: Type.String(),
          steps: Type.Array(Type.Unknown()),
        }),
        response: { 201: Funnel },
      },
      validatorCompiler: raw,
    },
    async (request, reply) => {
      return reply.status(201).send(await options.funnels.create(request.body));
    },
  );
  app.get(
    '/analytics/funnels',
    {
      config: dashboardRead,
      schema: {
        tags: ['settings'],
        summary: "A site's saved funnels",
        querystring: SiteQuery,
        response: { 200: Type.Object({ funnels: Type.Array(Funnel) }) },
      },
    },
    async (request) => ({ funnels: await options.funnels.list(request.query.site_id) }),
  );
  app.delete(
    '/analytics/funnels/:id',
    {
      config: recordSite,
      schema: {
        tags: ['settings'],
        summary: 'Delete a saved funnel',
        params: IdParams,
        querystring: DeleteQuery,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await deleteRecord(
        request,
        request.params.id,
        request.query.site_id,
        options.funnels,
        'funnel',
      );
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/analytics/shared-links',
    {
      config: keysOnly,
      schema: {
        tags: ['settings'],
        summary:
          "Create a read-only link to one site's dashboard: { site_id, name?, password? }; the token is shown only now",
        body: Type.Object({
          site_id: SITE,
          name: Type.Optional(Type.String()),
          password: Type.Optional(Type.String()),
        }),
        response: { 201: NewLink },
      },
      validatorCompiler: raw,
    },
    async (request, reply) => {
      return reply.status(201).send(await options.links.create(request.body));
    },
  );
  app.get(
    '/analytics/shared-links',
    {
      config: keysOnly,
      schema: {
        tags: ['settings'],
        summary: "A site's shared links (without their tokens)",
        querystring: SiteQuery,
        response: { 200: Type.Object({ links: Type.Array(Link) }) },
      },
    },
    async (request) => ({ links: await options.links.list(request.query.site_id) }),
  );
  app.delete(
    '/analytics/shared-links/:id',
    {
      config: recordSite,
      schema: {
        tags: ['settings'],
        summary: 'Revoke a shared link',
        params: IdParams,
        querystring: DeleteQuery,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await deleteRecord(
        request,
        request.params.id,
        request.query.site_id,
        options.links,
        'shared link',
      );
      return reply.status(204).send(null);
    },
  );
}
