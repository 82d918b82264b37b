// Original file: proto/user.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ChatMessage as _bench_v1_ChatMessage, ChatMessage__Output as _bench_v1_ChatMessage__Output } from '../../bench/v1/ChatMessage';
import type { CreateUserRequest as _bench_v1_CreateUserRequest, CreateUserRequest__Output as _bench_v1_CreateUserRequest__Output } from '../../bench/v1/CreateUserRequest';
import type { CreateUsersResponse as _bench_v1_CreateUsersResponse, CreateUsersResponse__Output as _bench_v1_CreateUsersResponse__Output } from '../../bench/v1/CreateUsersResponse';
import type { GetUserRequest as _bench_v1_GetUserRequest, GetUserRequest__Output as _bench_v1_GetUserRequest__Output } from '../../bench/v1/GetUserRequest';
import type { ListUsersRequest as _bench_v1_ListUsersRequest, ListUsersRequest__Output as _bench_v1_ListUsersRequest__Output } from '../../bench/v1/ListUsersRequest';
import type { User as _bench_v1_User, User__Output as _bench_v1_User__Output } from '../../bench/v1/User';

export interface UserServiceClient extends grpc.Client {
  Chat(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_bench_v1_ChatMessage, _bench_v1_ChatMessage__Output>;
  Chat(options?: grpc.CallOptions): grpc.ClientDuplexStream<_bench_v1_ChatMessage, _bench_v1_ChatMessage__Output>;
  chat(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_bench_v1_ChatMessage, _bench_v1_ChatMessage__Output>;
  chat(options?: grpc.CallOptions): grpc.ClientDuplexStream<_bench_v1_ChatMessage, _bench_v1_ChatMessage__Output>;
  
  CreateUsers(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_CreateUsersResponse__Output>): grpc.ClientWritableStream<_bench_v1_CreateUserRequest>;
  CreateUsers(metadata: grpc.Metadata, callback: grpc.requestCallback<_bench_v1_CreateUsersResponse__Output>): grpc.ClientWritableStream<_bench_v1_CreateUserRequest>;
  CreateUsers(options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_CreateUsersResponse__Output>): grpc.ClientWritableStream<_bench_v1_CreateUserRequest>;
  CreateUsers(callback: grpc.requestCallback<_bench_v1_CreateUsersResponse__Output>): grpc.ClientWritableStream<_bench_v1_CreateUserRequest>;
  createUsers(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_CreateUsersResponse__Output>): grpc.ClientWritableStream<_bench_v1_CreateUserRequest>;
  createUsers(metadata: grpc.Metadata, callback: grpc.requestCallback<_bench_v1_CreateUsersResponse__Output>): grpc.ClientWritableStream<_bench_v1_CreateUserRequest>;
  createUsers(options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_CreateUsersResponse__Output>): grpc.ClientWritableStream<_bench_v1_CreateUserRequest>;
  createUsers(callback: grpc.requestCallback<_bench_v1_CreateUsersResponse__Output>): grpc.ClientWritableStream<_bench_v1_CreateUserRequest>;
  
  GetUser(argument: _bench_v1_GetUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_User__Output>): grpc.ClientUnaryCall;
  GetUser(argument: _bench_v1_GetUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_bench_v1_User__Output>): grpc.ClientUnaryCall;
  GetUser(argument: _bench_v1_GetUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_User__Output>): grpc.ClientUnaryCall;
  GetUser(argument: _bench_v1_GetUserRequest, callback: grpc.requestCallback<_bench_v1_User__Output>): grpc.ClientUnaryCall;
  getUser(argument: _bench_v1_GetUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_User__Output>): grpc.ClientUnaryCall;
  getUser(argument: _bench_v1_GetUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_bench_v1_User__Output>): grpc.ClientUnaryCall;
  getUser(argument: _bench_v1_GetUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_User__Output>): grpc.ClientUnaryCall;
  getUser(argument: _bench_v1_GetUserRequest, callback: grpc.requestCallback<_bench_v1_User__Output>): grpc.ClientUnaryCall;
  
  ListUsers(argument: _bench_v1_ListUsersRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_bench_v1_User__Output>;
  ListUsers(argument: _bench_v1_ListUsersRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_bench_v1_User__Output>;
  listUsers(argument: _bench_v1_ListUsersRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_bench_v1_User__Output>;
  listUsers(argument: _bench_v1_ListUsersRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_bench_v1_User__Output>;
  
}

export interface UserServiceHandlers extends grpc.UntypedServiceImplementation {
  Chat: grpc.handleBidiStreamingCall<_bench_v1_ChatMessage__Output, _bench_v1_ChatMessage>;
  
  CreateUsers: grpc.handleClientStreamingCall<_bench_v1_CreateUserRequest__Output, _bench_v1_CreateUsersResponse>;
  
  GetUser: grpc.handleUnaryCall<_bench_v1_GetUserRequest__Output, _bench_v1_User>;
  
  ListUsers: grpc.handleServerStreamingCall<_bench_v1_ListUsersRequest__Output, _bench_v1_User>;
  
}

export interface UserServiceDefinition extends grpc.ServiceDefinition {
  Chat: MethodDefinition<_bench_v1_ChatMessage, _bench_v1_ChatMessage, _bench_v1_ChatMessage__Output, _bench_v1_ChatMessage__Output>
  CreateUsers: MethodDefinition<_bench_v1_CreateUserRequest, _bench_v1_CreateUsersResponse, _bench_v1_CreateUserRequest__Output, _bench_v1_CreateUsersResponse__Output>
  GetUser: MethodDefinition<_bench_v1_GetUserRequest, _bench_v1_User, _bench_v1_GetUserRequest__Output, _bench_v1_User__Output>
  ListUsers: MethodDefinition<_bench_v1_ListUsersRequest, _bench_v1_User, _bench_v1_ListUsersRequest__Output, _bench_v1_User__Output>
}
