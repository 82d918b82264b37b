// gRPC on @grpc/grpc-js (reference) or @connectrpc/connect-node: what the server is (servers/types.ts ServerIndex);
// the service is in servers/grpc.ts and servers/grpc-connect.ts.
import type { ServerIndex } from '../types.ts';

export const index: ServerIndex = {
  implementations: [
    {
      name: 'grpc-js',
      versionOf: '@grpc/grpc-js',
      description: '@grpc/grpc-js server, messages from @grpc/proto-loader',
      packages: ['@grpc/grpc-js', '@grpc/proto-loader'],
      load: async () => (await import('../grpc.ts')).start,
    },
    {
      name: 'connect-node',
      versionOf: '@connectrpc/connect-node',
      description: '@connectrpc/connect-node on node:http2, gRPC protocol only, messages from protobuf-es (generated/es)',
      packages: ['@connectrpc/connect', '@connectrpc/connect-node', '@bufbuild/protobuf'],
      load: async () => (await import('../grpc-connect.ts')).start,
    },
  ],
  scheme: 'grpc',
  urlPath: '',
  // package bench.v1, service UserService in proto/user.proto; the HTTP/2 :path is /bench.v1.UserService/GetUser.
  pathHint: 'grpc://HOST:PORT bench.v1.UserService/GetUser (h2c: plaintext HTTP/2)',
  // Both rows hit this server: the lean HTTP/2 driver and the stock grpc-js client.
  rows: ['grpc', 'grpc-js'],
};
