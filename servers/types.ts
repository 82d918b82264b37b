import type { UserStore } from './store.ts';

export interface ServerOptions {
  /** Address to bind; 127.0.0.1 unless the user asks otherwise. */
  host: string;
  /** 0 lets the OS choose; the real port is in the returned handle. */
  port: number;
  store: UserStore;
  /** GraphQL: batch Post.author / Comment.author loads through a DataLoader (nPlusOne); default off. */
  dataloader?: boolean;
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

/** One module per protocol exports `start` with this signature. */
export type StartServer = (options: ServerOptions) => Promise<RunningServer>;
