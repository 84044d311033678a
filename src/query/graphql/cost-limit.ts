import { GraphQLError, type ValidationContext, type ASTVisitor } from 'graphql';

/**
 * Refuses a query that selects more than `maxFields` fields in all (aliases count: `a: pageViews
 * b: pageViews …` is as costly as it looks). Depth is limited separately by mercurius.
 */
export function createCostLimitRule(maxFields: number) {
  return (context: ValidationContext): ASTVisitor => {
    let fields = 0;
    return {
      Field() {
        fields++;
        if (fields === maxFields + 1) {
          context.reportError(
            new GraphQLError(
              `query selects more than ${maxFields} fields; split it (GRAPHQL_MAX_COST)`,
            ),
          );
        }
      },
    };
  };
}
