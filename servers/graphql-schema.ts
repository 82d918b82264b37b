// The GraphQL schema for the proto contract (proto/user.proto), as SDL so every GraphQL
// server (yoga now, others later) builds the same schema. Field names follow the proto3 JSON
// mapping; ID serializes as a string, so clients turn User.id back into a number.
export const USER_SCHEMA_SDL = /* GraphQL */ `
  type Address {
    street: String!
    city: String!
    country: String!
    postalCode: String!
  }

  type User {
    id: ID!
    username: String!
    email: String!
    age: Int!
    roles: [String!]!
    address: Address!
    "RFC 3339, as proto3 JSON prints a Timestamp"
    createdAt: String!
  }

  type Query {
    "null (with a NOT_FOUND error) when there is no such user"
    user(id: ID!): User
    "users with id > afterId in id order; limit is capped by the server"
    users(afterId: Int, limit: Int): [User!]!
  }
`;

