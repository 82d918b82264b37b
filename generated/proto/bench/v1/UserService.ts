// Original file: proto/user.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ChatMessage as _bench_v1_ChatMessage, ChatMessage__Output as _bench_v1_ChatMessage__Output } from '../../bench/v1/ChatMessage';
import type { CommentList as _bench_v1_CommentList, CommentList__Output as _bench_v1_CommentList__Output } from '../../bench/v1/CommentList';
import type { CreateUserRequest as _bench_v1_CreateUserRequest, CreateUserRequest__Output as _bench_v1_CreateUserRequest__Output } from '../../bench/v1/CreateUserRequest';
import type { CreateUsersResponse as _bench_v1_CreateUsersResponse, CreateUsersResponse__Output as _bench_v1_CreateUsersResponse__Output } from '../../bench/v1/CreateUsersResponse';
import type { GetPostCommentsRequest as _bench_v1_GetPostCommentsRequest, GetPostCommentsRequest__Output as _bench_v1_GetPostCommentsRequest__Output } from '../../bench/v1/GetPostCommentsRequest';
import type { GetUserPostsRequest as _bench_v1_GetUserPostsRequest, GetUserPostsRequest__Output as _bench_v1_GetUserPostsRequest__Output } from '../../bench/v1/GetUserPostsRequest';
import type { GetUserRequest as _bench_v1_GetUserRequest, GetUserRequest__Output as _bench_v1_GetUserRequest__Output } from '../../bench/v1/GetUserRequest';
import type { ListUsersRequest as _bench_v1_ListUsersRequest, ListUsersRequest__Output as _bench_v1_ListUsersRequest__Output } from '../../bench/v1/ListUsersRequest';
import type { PostList as _bench_v1_PostList, PostList__Output as _bench_v1_PostList__Output } from '../../bench/v1/PostList';
import type { User as _bench_v1_User, User__Output as _bench_v1_User__Output } from '../../bench/v1/User';
import type { UserPage as _bench_v1_UserPage, UserPage__Output as _bench_v1_UserPage__Output } from '../../bench/v1/UserPage';

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
  
  GetPostComments(argument: _bench_v1_GetPostCommentsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_CommentList__Output>): grpc.ClientUnaryCall;
  GetPostComments(argument: _bench_v1_GetPostCommentsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_bench_v1_CommentList__Output>): grpc.ClientUnaryCall;
  GetPostComments(argument: _bench_v1_GetPostCommentsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_CommentList__Output>): grpc.ClientUnaryCall;
  GetPostComments(argument: _bench_v1_GetPostCommentsRequest, callback: grpc.requestCallback<_bench_v1_CommentList__Output>): grpc.ClientUnaryCall;
  getPostComments(argument: _bench_v1_GetPostCommentsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_CommentList__Output>): grpc.ClientUnaryCall;
  getPostComments(argument: _bench_v1_GetPostCommentsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_bench_v1_CommentList__Output>): grpc.ClientUnaryCall;
  getPostComments(argument: _bench_v1_GetPostCommentsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_CommentList__Output>): grpc.ClientUnaryCall;
  getPostComments(argument: _bench_v1_GetPostCommentsRequest, callback: grpc.requestCallback<_bench_v1_CommentList__Output>): grpc.ClientUnaryCall;
  
  GetUser(argument: _bench_v1_GetUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_User__Output>): grpc.ClientUnaryCall;
  GetUser(argument: _bench_v1_GetUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_bench_v1_User__Output>): grpc.ClientUnaryCall;
  GetUser(argument: _bench_v1_GetUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_User__Output>): grpc.ClientUnaryCall;
  GetUser(argument: _bench_v1_GetUserRequest, callback: grpc.requestCallback<_bench_v1_User__Output>): grpc.ClientUnaryCall;
  getUser(argument: _bench_v1_GetUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_User__Output>): grpc.ClientUnaryCall;
  getUser(argument: _bench_v1_GetUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_bench_v1_User__Output>): grpc.ClientUnaryCall;
  getUser(argument: _bench_v1_GetUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_User__Output>): grpc.ClientUnaryCall;
  getUser(argument: _bench_v1_GetUserRequest, callback: grpc.requestCallback<_bench_v1_User__Output>): grpc.ClientUnaryCall;
  
  GetUserPosts(argument: _bench_v1_GetUserPostsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_PostList__Output>): grpc.ClientUnaryCall;
  GetUserPosts(argument: _bench_v1_GetUserPostsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_bench_v1_PostList__Output>): grpc.ClientUnaryCall;
  GetUserPosts(argument: _bench_v1_GetUserPostsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_PostList__Output>): grpc.ClientUnaryCall;
  GetUserPosts(argument: _bench_v1_GetUserPostsRequest, callback: grpc.requestCallback<_bench_v1_PostList__Output>): grpc.ClientUnaryCall;
  getUserPosts(argument: _bench_v1_GetUserPostsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_PostList__Output>): grpc.ClientUnaryCall;
  getUserPosts(argument: _bench_v1_GetUserPostsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_bench_v1_PostList__Output>): grpc.ClientUnaryCall;
  getUserPosts(argument: _bench_v1_GetUserPostsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_PostList__Output>): grpc.ClientUnaryCall;
  getUserPosts(argument: _bench_v1_GetUserPostsRequest, callback: grpc.requestCallback<_bench_v1_PostList__Output>): grpc.ClientUnaryCall;
  
  ListUsers(argument: _bench_v1_ListUsersRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_bench_v1_User__Output>;
  ListUsers(argument: _bench_v1_ListUsersRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_bench_v1_User__Output>;
  listUsers(argument: _bench_v1_ListUsersRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_bench_v1_User__Output>;
  listUsers(argument: _bench_v1_ListUsersRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_bench_v1_User__Output>;
  
  ListUsersPage(argument: _bench_v1_ListUsersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_UserPage__Output>): grpc.ClientUnaryCall;
  ListUsersPage(argument: _bench_v1_ListUsersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_bench_v1_UserPage__Output>): grpc.ClientUnaryCall;
  ListUsersPage(argument: _bench_v1_ListUsersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_UserPage__Output>): grpc.ClientUnaryCall;
  ListUsersPage(argument: _bench_v1_ListUsersRequest, callback: grpc.requestCallback<_bench_v1_UserPage__Output>): grpc.ClientUnaryCall;
  listUsersPage(argument: _bench_v1_ListUsersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_UserPage__Output>): grpc.ClientUnaryCall;
  listUsersPage(argument: _bench_v1_ListUsersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_bench_v1_UserPage__Output>): grpc.ClientUnaryCall;
  listUsersPage(argument: _bench_v1_ListUsersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_bench_v1_UserPage__Output>): grpc.ClientUnaryCall;
  listUsersPage(argument: _bench_v1_ListUsersRequest, callback: grpc.requestCallback<_bench_v1_UserPage__Output>): grpc.ClientUnaryCall;
  
}

export interface UserServiceHandlers extends grpc.UntypedServiceImplementation {
  Chat: grpc.handleBidiStreamingCall<_bench_v1_ChatMessage__Output, _bench_v1_ChatMessage>;
  
  CreateUsers: grpc.handleClientStreamingCall<_bench_v1_CreateUserRequest__Output, _bench_v1_CreateUsersResponse>;
  
  GetPostComments: grpc.handleUnaryCall<_bench_v1_GetPostCommentsRequest__Output, _bench_v1_CommentList>;
  
  GetUser: grpc.handleUnaryCall<_bench_v1_GetUserRequest__Output, _bench_v1_User>;
  
  GetUserPosts: grpc.handleUnaryCall<_bench_v1_GetUserPostsRequest__Output, _bench_v1_PostList>;
  
  ListUsers: grpc.handleServerStreamingCall<_bench_v1_ListUsersRequest__Output, _bench_v1_User>;
  
  ListUsersPage: grpc.handleUnaryCall<_bench_v1_ListUsersRequest__Output, _bench_v1_UserPage>;
  
}

export interface UserServiceDefinition extends grpc.ServiceDefinition {
  Chat: MethodDefinition<_bench_v1_ChatMessage, _bench_v1_ChatMessage, _bench_v1_ChatMessage__Output, _bench_v1_ChatMessage__Output>
  CreateUsers: MethodDefinition<_bench_v1_CreateUserRequest, _bench_v1_CreateUsersResponse, _bench_v1_CreateUserRequest__Output, _bench_v1_CreateUsersResponse__Output>
  GetPostComments: MethodDefinition<_bench_v1_GetPostCommentsRequest, _bench_v1_CommentList, _bench_v1_GetPostCommentsRequest__Output, _bench_v1_CommentList__Output>
  GetUser: MethodDefinition<_bench_v1_GetUserRequest, _bench_v1_User, _bench_v1_GetUserRequest__Output, _bench_v1_User__Output>
  GetUserPosts: MethodDefinition<_bench_v1_GetUserPostsRequest, _bench_v1_PostList, _bench_v1_GetUserPostsRequest__Output, _bench_v1_PostList__Output>
  ListUsers: MethodDefinition<_bench_v1_ListUsersRequest, _bench_v1_User, _bench_v1_ListUsersRequest__Output, _bench_v1_User__Output>
  ListUsersPage: MethodDefinition<_bench_v1_ListUsersRequest, _bench_v1_UserPage, _bench_v1_ListUsersRequest__Output, _bench_v1_UserPage__Output>
}
