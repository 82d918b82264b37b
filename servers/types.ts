import type { UserStore } from './store.ts';

/**
 * Knobs a scenario may set on a server (scenarios/types.ts `server()`); they travel from the
 * runner to the server's child process in the job, unchanged. Add a field here, read it in
 * the server that honours it; servers ignore the fields they do not know.
 */
export interface ServerTuning {
  /** GraphQL: batch Post.author / Comment.author loads through a DataLoader (nPlusOne); default off. */
  dataloader?: boolean;
}

export interface ServerOptions extends ServerTuning {
  /** Address to bind; 127.0.0.1 unless the user asks otherwise. */
  host: string;
  /** 0 lets the OS choose; the real port is in the returned handle. */
  port: number;
  store: UserStore;
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

/** One module per protocol exports `start` with this signature. */
export type StartServer = (options: ServerOptions) => Promise<RunningServer>;
