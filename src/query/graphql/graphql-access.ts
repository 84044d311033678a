import { GraphQLError, type ASTVisitor, type ValidationContext } from 'graphql';
import { ClickstreamError, isClickstreamError } from '../../domain/errors.js';
import { isSiteId, resolveSite, SITE_ID_RULE, type SiteId } from '../../domain/site-id.js';
import {
  authorize,
  mayCall,
  sharedLinkRefused,
  type AccessDecision,
  type QueryAccess,
} from '../query-access.js';
import { graphqlErrorOf } from './graphql-errors.js';

export interface AccessContext {
  access?: QueryAccess | undefined;
}

/** Where a field's arguments name its site, and whether a shared link may ask it. */
export interface FieldAccess extends AccessDecision {
  /**
   * `siteId` among the arguments, or the `siteId` of the named input (`scope`, `filter`, `query`);
   * null for a listing, which filters by the caller's access itself.
   */
  readonly site: 'siteId' | 'scope' | 'filter' | 'query' | null;
  readonly sharedLink: boolean;
}

/**
 * Every field's decision. Typed by the resolvers (graphql-plugin.ts), so a new field does not
 * compile until it says where its site is and whether a shared link may read it.
 */
const aggregate = (site: FieldAccess['site']): FieldAccess => ({ site, sharedLink: true });
const visitorLevel = (site: FieldAccess['site']): FieldAccess => ({ site, sharedLink: false });
export const FIELD_ACCESS = {
  pageViews: aggregate('siteId'),
  pageEvents: aggregate('scope'),
  uniqueVisitors: aggregate('scope'),
  timeseries: aggregate('scope'),
  topPages: aggregate('scope'),
  eventCounts: aggregate('scope'),
  breakdown: aggregate('scope'),
  sessions: aggregate('scope'),
  analytics: aggregate('query'),
  sites: aggregate(null),
  liveTotals: aggregate('siteId'),
  userEvents: visitorLevel('siteId'),
  recentEvents: visitorLevel('filter'),
  liveEvents: visitorLevel('filter'),
} as const satisfies Record<string, FieldAccess>;

type Args = Record<string, unknown>;
type Resolver = (root: unknown, args: Args, context: AccessContext, info: unknown) => unknown;

/**
 * Every resolver's site is resolved and checked against the caller's access before it runs, so a
 * new field cannot forget to: its arguments' `siteId` (else DEFAULT_SITE_ID) is checked, authorized
 * with the field's decision and handed to the resolver filled in, so no resolver picks a default
 * of its own. Subscription errors bypass mercurius' formatter, hence a GraphQLError there.
 */
export function guardSites<R extends Record<string, unknown>>(
  resolvers: R,
  access: { readonly [K in keyof R]: FieldAccess },
  defaultSiteId: SiteId,
): R {
  const guarded: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(resolvers)) {
    const decision = access[name as keyof R];
    const scoped = (args: Args, context: AccessContext) =>
      scopeArgs(args, decision, context.access, defaultSiteId);
    if (typeof value === 'function') {
      const resolve = value as Resolver;
      guarded[name] = (root: unknown, args: Args, context: AccessContext, info: unknown) =>
        resolve(root, scoped(args, context), context, info);
    } else if (value !== null && typeof value === 'object' && 'subscribe' in value) {
      const field = value as { subscribe: Resolver };
      guarded[name] = {
        ...field,
        subscribe: (root: unknown, args: Args, context: AccessContext, info: unknown) => {
          let checked: Args;
          try {
            checked = scoped(args, context);
          } catch (error) {
            if (!isClickstreamError(error)) throw error;
            throw graphqlErrorOf(error);
          }
          return field.subscribe(root, checked, context, info);
        },
      };
    } else {
      guarded[name] = value;
    }
  }
  return guarded as R;
}

/** The field's arguments with its site resolved (checked, or the default), once authorized. */
function scopeArgs(
  args: Args,
  decision: FieldAccess,
  access: QueryAccess | undefined,
  defaultSiteId: SiteId,
): Args {
  if (decision.site === null) {
    if (!mayCall(access, decision)) throw sharedLinkRefused();
    return args;
  }
  const holder = decision.site === 'siteId' ? args : ((args[decision.site] ?? {}) as Args);
  const named = holder.siteId;
  if (named !== undefined && named !== null && !isSiteId(named))
    throw new ClickstreamError('INVALID_QUERY', `must be ${SITE_ID_RULE}`, { field: 'siteId' });
  const siteId = resolveSite(named, defaultSiteId);
  authorize(access, siteId, decision);
  return decision.site === 'siteId'
    ? { ...args, siteId }
    : { ...args, [decision.site]: { ...holder, siteId } };
}

/**
 * GRAPHQL_INTROSPECTION=false: refuse `__schema` and `__type`. Matched by field name rather than
 * graphql's NoSchemaIntrospectionCustomRule, whose type checks use instanceof and so miss types
 * built by the other copy of graphql (mercurius requires the CommonJS build).
 */
export function noIntrospectionRule(context: ValidationContext): ASTVisitor {
  return {
    Field(node) {
      const name = node.name.value;
      if (name === '__schema' || name === '__type') {
        context.reportError(
          new GraphQLError(
            `introspection is turned off (GRAPHQL_INTROSPECTION); ${name} is not allowed`,
            { nodes: [node] },
          ),
        );
      }
    },
  };
}

declare module 'mercurius' {
  interface MercuriusContext {
    /** The caller's access, from the query-auth hook or a graphql-ws connectionInit payload. */
    access?: QueryAccess | undefined;
  }
}
