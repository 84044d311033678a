import { GraphQLError, type ASTVisitor, type ValidationContext } from 'graphql';
import { isClickstreamError } from '../../domain/errors.js';
import { ClickstreamError } from '../../domain/errors.js';
import { assertSite, siteOfArgs, VISITOR_LEVEL_FIELDS, type QueryAccess } from '../query-access.js';

export interface AccessContext {
  access?: QueryAccess | undefined;
}

type Resolver = (root: unknown, args: never, context: AccessContext) => unknown;

/**
 * Every resolver checks the site its arguments name against the caller's key before it runs, so a
 * new query cannot forget to. Subscription errors bypass mercurius' formatter, hence GraphQLError.
 */
export function guardSites<R extends Record<string, unknown>>(
  resolvers: R,
  defaultSiteId: string,
): R {
  const guarded: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(resolvers)) {
    if (typeof value === 'function') {
      const resolve = value as Resolver;
      guarded[name] = (root: unknown, args: never, context: AccessContext) => {
        assertSite(context.access, siteOfArgs(args, defaultSiteId));
        if (context.access?.readOnly && VISITOR_LEVEL_FIELDS.has(name))
          throw new ClickstreamError('FORBIDDEN', `a shared link cannot read ${name}`);
        return resolve(root, args, context);
      };
    } else if (value !== null && typeof value === 'object' && 'subscribe' in value) {
      const field = value as { subscribe: Resolver };
      guarded[name] = {
        ...field,
        subscribe: (root: unknown, args: never, context: AccessContext) => {
          try {
            assertSite(context.access, siteOfArgs(args, defaultSiteId));
          } catch (error) {
            if (!isClickstreamError(error)) throw error;
            throw new GraphQLError(error.message, {
              extensions: { code: error.code, field: 'siteId' },
            });
          }
          return field.subscribe(root, args, context);
        },
      };
    } else {
      guarded[name] = value;
    }
  }
  return guarded as R;
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
