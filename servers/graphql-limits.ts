// The query limits every GraphQL server here enforces, whatever its library (servers/graphql.ts
// on graphql-yoga, servers/graphql-mercurius.ts on mercurius): depth at most 5
// (graphql-depth-limit, the guide's own library and counting) and complexity at most 1000
// (graphql-query-complexity, each field 1 plus its children, times first/limit on list fields),
// after a bound on the expanded size (expandedSelections). A query over a limit is refused
// before it runs, with a GraphQL error whose extensions.code is DEPTH_LIMIT_EXCEEDED or
// COMPLEXITY_LIMIT_EXCEEDED. The servers also cap the parser at DEFAULT_MAX_TOKENS.
import {
  GraphQLError,
  Kind,
  BREAK,
  getNullableType,
  isListType,
  validate,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import depthLimit from 'graphql-depth-limit';
import { createComplexityRule, type ComplexityEstimator } from 'graphql-query-complexity';

/** The guide's limits ("max 5 levels", "max 1000"). */
export const DEFAULT_MAX_DEPTH = 5;
export const DEFAULT_MAX_COMPLEXITY = 1000;
/** graphql-armor's default; the driver's getUser query is about 30 tokens. */
export const DEFAULT_MAX_TOKENS = 1000;
/** The guide's listFactor: the multiplier of a list field that has no first/limit to go by. */
export const LIST_FACTOR = 10;
/** Most field selections a query may have once its fragments are expanded (graphql-query-complexity's own default cap). */
export const MAX_SELECTIONS = 10_000;

const MULTIPLIER_ARGS = new Set(['first', 'limit']);

/**
 * Cost of one field: 1, plus its selection's cost times the number of items for a list
 * (first/limit as given, else the argument's schema default, else LIST_FACTOR).
 */
export const listCostEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  if (!isListType(getNullableType(field.type))) return 1 + childComplexity;
  const arg = field.args.find((a) => MULTIPLIER_ARGS.has(a.name));
  const n = arg ? (args[arg.name] ?? arg.defaultValue) : undefined;
  return 1 + (typeof n === 'number' ? Math.max(0, n) : LIST_FACTOR) * childComplexity;
};

/** Whether a document's cost can change with its variables (a variable count or @include/@skip). */
export function costDependsOnVariables(doc: DocumentNode): boolean {
  let found = false;
  visit(doc, {
    Directive(node) {
      if (node.arguments?.some((a) => a.value.kind === Kind.VARIABLE)) return ((found = true), BREAK);
      return undefined;
    },
    Field(node) {
      if (node.arguments?.some((a) => MULTIPLIER_ARGS.has(a.name.value) && a.value.kind === Kind.VARIABLE))
        return ((found = true), BREAK);
      return undefined;
    },
  });
  return found;
}

/**
 * Field selections in a valid document with every fragment spread expanded, each fragment
 * sized once: linear in the document. A fragment spread twice in one that is itself spread
 * twice, and so on, expands exponentially (30 such fragments fit in 1000 tokens), and both
 * libraries walk the expanded tree, graphql-depth-limit without any bound; this count is
 * what they are kept from.
 */
export function expandedSelections(doc: DocumentNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const sized = new Map<string, number>();
  const size = (set: SelectionSetNode | undefined): number => {
    let n = 0;
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD) n += 1 + size(sel.selectionSet);
      else if (sel.kind === Kind.INLINE_FRAGMENT) n += size(sel.selectionSet);
      else {
        let m = sized.get(sel.name.value);
        // Validation has ruled out unknown and cyclic fragments before this runs.
        if (m === undefined) sized.set(sel.name.value, (m = size(fragments.get(sel.name.value)?.selectionSet)));
        n += m;
      }
    }
    return n;
  };
  let total = 0;
  for (const d of doc.definitions) if (d.kind === Kind.OPERATION_DEFINITION) total += size(d.selectionSet);
  return total;
}

const DEPTH_CODE = 'DEPTH_LIMIT_EXCEEDED';
const COMPLEXITY_CODE = 'COMPLEXITY_LIMIT_EXCEEDED';

/** Depth and complexity errors for a document the spec's own rules found valid (costVerdict's errors). */
export function checkCost(...args: Parameters<typeof costVerdict>): GraphQLError[] {
  return costVerdict(...args).errors;
}

/**
 * `cacheable` is false when the verdict holds for this request only: when the complexity
 * could not be computed because the variables did not coerce (execution refuses such a
 * request anyway, but the next one, with good variables, must still be checked), or when the
 * document has several operations and only the one named by this request was costed.
 */
export function costVerdict(
  schema: GraphQLSchema,
  doc: DocumentNode,
  variables: Record<string, unknown>,
  operationName: string | undefined,
  maxDepth: number,
  maxComplexity: number,
): { errors: GraphQLError[]; cacheable: boolean } {
  const selections = expandedSelections(doc);
  if (selections > MAX_SELECTIONS) {
    const error = new GraphQLError(`Query expands to ${selections} field selections, over the limit of ${MAX_SELECTIONS}`, {
      extensions: { code: COMPLEXITY_CODE, selections, limit: MAX_SELECTIONS },
    });
    return { errors: [error], cacheable: true };
  }
  const operations = doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
  const complexityRule = createComplexityRule({
    maximumComplexity: maxComplexity,
    estimators: [listCostEstimator],
    variables,
    // With one operation the name is not needed, and the library reads operation.name.value,
    // which an anonymous operation does not have.
    ...(operations > 1 && operationName ? { operationName } : {}),
    createError: (max, actual) =>
      new GraphQLError(`Query complexity (${actual}) exceeds limit (${max})`, {
        extensions: { code: COMPLEXITY_CODE, complexity: actual, limit: max },
      }),
  });
  let errors: readonly GraphQLError[];
  try {
    errors = validate(schema, doc, [depthLimit(maxDepth), complexityRule]);
  } catch (err) {
    // graphql-query-complexity throws (rather than reports) past 10,000 selections; the
    // count above should have stopped any such query, so this is a backstop.
    if (err instanceof GraphQLError)
      return { errors: [new GraphQLError(err.message, { extensions: { code: COMPLEXITY_CODE } })], cacheable: false };
    throw err;
  }
  const out: GraphQLError[] = [];
  let cacheable = operations === 1;
  const depthReported = new Set<string>();
  for (const e of errors) {
    if (e.extensions.code === COMPLEXITY_CODE) out.push(e);
    // graphql-depth-limit reports every selection past the limit; one error per operation
    // (its message names the operation) says all there is to say.
    else if (/exceeds maximum operation depth/.test(e.message) && !depthReported.has(e.message)) {
      depthReported.add(e.message);
      // graphql-depth-limit names the operation in quotes; an anonymous one would read "''".
      const message = e.message.startsWith("'' ") ? `The query${e.message.slice(2)}` : e.message;
      out.push(new GraphQLError(message, { nodes: e.nodes, extensions: { code: DEPTH_CODE, limit: maxDepth } }));
    }
    // Anything else is the complexity library failing to coerce variables; execution reports
    // that itself, with the spec's wording, so it is not repeated here.
    else if (!/exceeds maximum operation depth/.test(e.message)) cacheable = false;
  }
  return { errors: out, cacheable };
}

/**
 * The limits as one function per server: the errors for one request's document, variables and
 * operation. A cost that does not depend on variables is computed once per document (both
 * libraries cache parsed documents, so one query string is one DocumentNode), as the
 * libraries' own validation caches do.
 */
export function costChecker(maxDepth: number, maxComplexity: number) {
  const verdicts = new WeakMap<DocumentNode, GraphQLError[]>();
  return (
    schema: GraphQLSchema,
    doc: DocumentNode,
    variables: Record<string, unknown>,
    operationName?: string,
  ): GraphQLError[] => {
    let errors = verdicts.get(doc);
    if (!errors) {
      const verdict = costVerdict(schema, doc, variables, operationName, maxDepth, maxComplexity);
      errors = verdict.errors;
      if (verdict.cacheable && !costDependsOnVariables(doc)) verdicts.set(doc, errors);
    }
    return errors;
  };
}
