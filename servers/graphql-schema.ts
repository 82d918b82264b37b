// The GraphQL schema for the proto contract (proto/user.proto), as SDL so every GraphQL
// server (yoga now, others later) builds the same schema. Field names follow the proto3 JSON
// mapping; ID serializes as a string, so clients turn User.id back into a number.
// Posts, comments and their authors come from the seeded data set (servers/dataset.ts): they
// let a client write the nested queries the guide's depth and complexity limits are about.
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
    "the user's posts in id order, at most first"
    posts(first: Int = 10): [Post!]!
    """
    users who commented on this user's posts, in order of their first such comment. The data
    set has no follow graph; this relation derived from it stands in for the guide's followers.
    """
    followers(first: Int = 10): [User!]!
  }

  type Post {
    id: ID!
    title: String!
    content: String!
    createdAt: String!
    author: User!
    "the post's comments in id order, at most first"
    comments(first: Int = 5): [Comment!]!
  }

  type Comment {
    id: ID!
    text: String!
    createdAt: String!
    author: User!
  }

  type Query {
    "null (with a NOT_FOUND error) when there is no such user"
    user(id: ID!): User
    "users with id > afterId in id order; limit is capped by the server"
    users(afterId: Int, limit: Int = 100): [User!]!
    "the first most recent posts, newest first (nPlusOne; needs the SQLite store)"
    posts(first: Int = 10): [Post!]!
    "Relay-style connection over users in id order (listUsers); after is an endCursor"
    userConnection(first: Int = 100, after: String): UserConnection!
  }

  input AddressInput {
    street: String!
    city: String!
    country: String!
    postalCode: String!
  }

  input NewUser {
    username: String!
    email: String!
    age: Int!
    roles: [String!]!
    address: AddressInput!
  }

  type CreateUsersResult {
    created: Int!
    ids: [ID!]!
  }

  type Mutation {
    "store every user of input (createUsers scenario)"
    createUsers(input: [NewUser!]!): CreateUsersResult!
  }

  type UserConnection {
    edges: [UserEdge!]!
    pageInfo: PageInfo!
  }

  type UserEdge {
    cursor: String!
    node: User!
  }

  type PageInfo {
    hasNextPage: Boolean!
    endCursor: String
  }
`;
