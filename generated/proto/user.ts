import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Address as _bench_v1_Address, Address__Output as _bench_v1_Address__Output } from './bench/v1/Address';
import type { ChatMessage as _bench_v1_ChatMessage, ChatMessage__Output as _bench_v1_ChatMessage__Output } from './bench/v1/ChatMessage';
import type { Comment as _bench_v1_Comment, Comment__Output as _bench_v1_Comment__Output } from './bench/v1/Comment';
import type { CommentList as _bench_v1_CommentList, CommentList__Output as _bench_v1_CommentList__Output } from './bench/v1/CommentList';
import type { CreateUserRequest as _bench_v1_CreateUserRequest, CreateUserRequest__Output as _bench_v1_CreateUserRequest__Output } from './bench/v1/CreateUserRequest';
import type { CreateUsersResponse as _bench_v1_CreateUsersResponse, CreateUsersResponse__Output as _bench_v1_CreateUsersResponse__Output } from './bench/v1/CreateUsersResponse';
import type { GetPostCommentsRequest as _bench_v1_GetPostCommentsRequest, GetPostCommentsRequest__Output as _bench_v1_GetPostCommentsRequest__Output } from './bench/v1/GetPostCommentsRequest';
import type { GetUserPostsRequest as _bench_v1_GetUserPostsRequest, GetUserPostsRequest__Output as _bench_v1_GetUserPostsRequest__Output } from './bench/v1/GetUserPostsRequest';
import type { GetUserRequest as _bench_v1_GetUserRequest, GetUserRequest__Output as _bench_v1_GetUserRequest__Output } from './bench/v1/GetUserRequest';
import type { ListUsersRequest as _bench_v1_ListUsersRequest, ListUsersRequest__Output as _bench_v1_ListUsersRequest__Output } from './bench/v1/ListUsersRequest';
import type { Post as _bench_v1_Post, Post__Output as _bench_v1_Post__Output } from './bench/v1/Post';
import type { PostList as _bench_v1_PostList, PostList__Output as _bench_v1_PostList__Output } from './bench/v1/PostList';
import type { User as _bench_v1_User, User__Output as _bench_v1_User__Output } from './bench/v1/User';
import type { UserPage as _bench_v1_UserPage, UserPage__Output as _bench_v1_UserPage__Output } from './bench/v1/UserPage';
import type { UserServiceClient as _bench_v1_UserServiceClient, UserServiceDefinition as _bench_v1_UserServiceDefinition } from './bench/v1/UserService';
import type { WsError as _bench_v1_WsError, WsError__Output as _bench_v1_WsError__Output } from './bench/v1/WsError';
import type { WsRequest as _bench_v1_WsRequest, WsRequest__Output as _bench_v1_WsRequest__Output } from './bench/v1/WsRequest';
import type { WsResponse as _bench_v1_WsResponse, WsResponse__Output as _bench_v1_WsResponse__Output } from './bench/v1/WsResponse';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  bench: {
    v1: {
      Address: MessageTypeDefinition<_bench_v1_Address, _bench_v1_Address__Output>
      ChatMessage: MessageTypeDefinition<_bench_v1_ChatMessage, _bench_v1_ChatMessage__Output>
      Comment: MessageTypeDefinition<_bench_v1_Comment, _bench_v1_Comment__Output>
      CommentList: MessageTypeDefinition<_bench_v1_CommentList, _bench_v1_CommentList__Output>
      CreateUserRequest: MessageTypeDefinition<_bench_v1_CreateUserRequest, _bench_v1_CreateUserRequest__Output>
      CreateUsersResponse: MessageTypeDefinition<_bench_v1_CreateUsersResponse, _bench_v1_CreateUsersResponse__Output>
      GetPostCommentsRequest: MessageTypeDefinition<_bench_v1_GetPostCommentsRequest, _bench_v1_GetPostCommentsRequest__Output>
      GetUserPostsRequest: MessageTypeDefinition<_bench_v1_GetUserPostsRequest, _bench_v1_GetUserPostsRequest__Output>
      GetUserRequest: MessageTypeDefinition<_bench_v1_GetUserRequest, _bench_v1_GetUserRequest__Output>
      ListUsersRequest: MessageTypeDefinition<_bench_v1_ListUsersRequest, _bench_v1_ListUsersRequest__Output>
      Post: MessageTypeDefinition<_bench_v1_Post, _bench_v1_Post__Output>
      PostList: MessageTypeDefinition<_bench_v1_PostList, _bench_v1_PostList__Output>
      User: MessageTypeDefinition<_bench_v1_User, _bench_v1_User__Output>
      UserPage: MessageTypeDefinition<_bench_v1_UserPage, _bench_v1_UserPage__Output>
      UserService: SubtypeConstructor<typeof grpc.Client, _bench_v1_UserServiceClient> & { service: _bench_v1_UserServiceDefinition }
      WsError: MessageTypeDefinition<_bench_v1_WsError, _bench_v1_WsError__Output>
      WsRequest: MessageTypeDefinition<_bench_v1_WsRequest, _bench_v1_WsRequest__Output>
      WsResponse: MessageTypeDefinition<_bench_v1_WsResponse, _bench_v1_WsResponse__Output>
    }
  }
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
}

