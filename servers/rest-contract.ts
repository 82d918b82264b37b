// The REST contract both REST implementations serve (servers/rest.ts on fastify,
// servers/rest-node-http.ts on bare node:http): the body schema, the limits and the error codes.
// Kept free of any framework so the node:http server does not load fastify to read it.

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
/** GET /v1/users answers at most this many users (ListUsersRequest: "the server caps it"). */
export const MAX_PAGE = 1000;
/** Longest path parameter (an id) accepted: fastify's router answers 414 past it. */
export const MAX_PARAM_LENGTH = 100;
/** Most users one POST /v1/users/batch may carry. */
export const MAX_BATCH = 10_000;

const str = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength }) as const;

/** JSON schema of the POST /v1/users body: the CreateUserRequest of proto/user.proto, all fields required. */
export const NEW_USER_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'email', 'age', 'roles', 'address'],
  properties: {
    username: str(100),
    email: { type: 'string', minLength: 3, maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' },
    age: { type: 'integer', minimum: 0, maximum: 150 },
    roles: { type: 'array', maxItems: 20, items: str(50) },
    address: {
      type: 'object',
      additionalProperties: false,
      required: ['street', 'city', 'country', 'postalCode'],
      properties: { street: str(200), city: str(100), country: str(100), postalCode: str(20) },
    },
  },
} as const;

/** The POST /v1/users/batch body: an array of NEW_USER_SCHEMA users. */
export const NEW_USERS_SCHEMA = { type: 'array', maxItems: MAX_BATCH, items: NEW_USER_SCHEMA } as const;

/** The `error` field of every error body, by HTTP status. */
export const ERROR_CODES: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
};
