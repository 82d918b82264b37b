// mercurius' errors in the shape graphql-yoga gives them, so one GraphQL client (clients/graphql.ts)
// and one set of robustness tests hold for both servers: extensions.code GRAPHQL_PARSE_FAILED,
// GRAPHQL_VALIDATION_FAILED or BAD_REQUEST where mercurius gives none, the GraphQL-over-HTTP
// status (200 for a refused query answered as application/json, 400 as
// application/graphql-response+json; 400 for a malformed request or variables that do not
// coerce), no `data` key when nothing ran, and an exception that is not a GraphQLError masked
// as "Unexpected error." (yoga's wording, which the fuzz test looks for).
import { GraphQLError, type ExecutionResult, type GraphQLFormattedError } from 'graphql';

export const PARSE_FAILED = 'GRAPHQL_PARSE_FAILED';
export const VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED';
export const BAD_REQUEST = 'BAD_REQUEST';
export const INTERNAL = 'INTERNAL_SERVER_ERROR';

/** mercurius' error for a query it refused before running (its MER_ERR_GQL_VALIDATION), holding the causes. */
const MER_VALIDATION = 'MER_ERR_GQL_VALIDATION';

/**
 * The error a preExecution hook throws to refuse a query with GraphQL errors of its own (the
 * depth and complexity limits): mercurius passes it to the error formatter whole.
 */
export class QueryRefused extends Error {
  readonly code = MER_VALIDATION;
  constructor(readonly errors: readonly GraphQLError[]) {
    super(errors[0]?.message ?? 'query refused');
  }
}

/** graphql-js's wording for variables that do not coerce (yoga answers them 400 with no code). */
const COERCION =
  /^Variable "\$[^"]+" (of required type .* was not provided|of non-null type .* must not be null|got invalid value)/;

/** graphql-js's wording when the request names no operation, or one its document does not have. */
const OPERATION = /^(Must provide operation name if query contains multiple operations|Unknown operation named ")/;
const OPERATION_UNRESOLVED = 'OPERATION_RESOLUTION_FAILURE';

interface Cause {
  error: GraphQLFormattedError;
  /** An HTTP status this cause asks for by itself; otherwise the answer's status follows from the whole. */
  status?: number;
  internal?: boolean;
}

type ErrorLike = Error & { statusCode?: unknown; code?: unknown; errors?: unknown };

/** A cause as yoga would report it. */
function classify(e: unknown, refusedBeforeRunning: boolean, httpStatus: number | undefined): Cause {
  if (!(e instanceof GraphQLError)) {
    // Not GraphQL at all: the request was malformed (bad JSON, a query that is not a string,
    // variables that are not an object, a mutation over GET); fastify or mercurius gave the status.
    return { error: { message: (e as Error).message, extensions: { code: BAD_REQUEST } }, status: httpStatus ?? 400 };
  }
  const json = e.toJSON();
  // graphql-jit's coercion errors have no extensions object at all.
  if (e.extensions?.code !== undefined) return { error: json };
  const original = e.originalError as ErrorLike | undefined;
  if (original && !(original instanceof GraphQLError)) {
    if (typeof original.statusCode === 'number' && original.statusCode < 500)
      return classify(original, refusedBeforeRunning, original.statusCode);
    return { error: { ...json, message: 'Unexpected error.', extensions: { code: INTERNAL } }, internal: true };
  }
  if (e.message.startsWith('Syntax Error')) return { error: { ...json, extensions: { code: PARSE_FAILED } } };
  if (COERCION.test(e.message)) return { error: json, status: 400 };
  if (OPERATION.test(e.message)) return { error: { ...json, extensions: { code: OPERATION_UNRESOLVED } }, status: 400 };
  if (refusedBeforeRunning) return { error: { ...json, extensions: { code: VALIDATION_FAILED } } };
  return { error: json };
}

/** The causes behind one error mercurius hands the formatter: a refusal's own list, or the error itself. */
function causes(e: GraphQLError): Cause[] {
  const original = e.originalError as ErrorLike | undefined;
  if (original && Array.isArray(original.errors)) {
    const status = typeof original.statusCode === 'number' ? original.statusCode : undefined;
    const refused = original.code === MER_VALIDATION;
    return (original.errors as unknown[]).map((c) => classify(c, refused, c instanceof GraphQLError ? undefined : status));
  }
  return [classify(e, false, undefined)];
}

/** Whether the client asked for application/graphql-response+json rather than application/json. */
export function wantsGraphqlResponse(accept: string | undefined): boolean {
  const a = (accept ?? '').toLowerCase();
  return a.includes('application/graphql-response+json') && !a.includes('application/json');
}

/**
 * mercurius' errorFormatter: the status and body for an execution result or a refusal. `data`
 * stays absent when nothing ran, and is kept (null included) when execution started.
 */
export function formatErrors(
  execution: ExecutionResult & { errors: readonly GraphQLError[] },
  accept: string | undefined,
): { statusCode: number; response: { data?: ExecutionResult['data']; errors: GraphQLFormattedError[] } } {
  const all = execution.errors.flatMap(causes);
  const ran = execution.data !== undefined;
  const asked = all.find((c) => c.status !== undefined)?.status;
  const statusCode = ran ? 200 : all.some((c) => c.internal) ? 500 : (asked ?? (wantsGraphqlResponse(accept) ? 400 : 200));
  return { statusCode, response: { ...(ran && { data: execution.data }), errors: all.map((c) => c.error) } };
}
