// Connection limits of a gRPC server, for an HTTP/2 server the harness owns (the connect-node
// gRPC server): what grpc-js does by itself with grpc.max_connection_idle_ms and
// grpc.keepalive_time_ms / grpc.keepalive_timeout_ms, done the same way, so both gRPC
// implementations drop idle and half-open connections alike. connect-node is a request handler
// only; it never sees the connection, so it cannot do this itself.
import type http2 from 'node:http2';

export interface H2ConnectionLimits {
  /** GOAWAY (session.close) a connection that has had no open stream for this long. */
  idleTimeoutMs: number;
  /** PING every this often; a peer that does not answer within keepaliveTimeoutMs is destroyed. */
  keepaliveMs: number;
  keepaliveTimeoutMs: number;
}

export interface LimitedSessions {
  /** Sessions open now. */
  readonly sessions: ReadonlySet<http2.ServerHttp2Session>;
  /** GOAWAY every session (open streams may finish); destroy whatever is left after graceMs. */
  closeAll(graceMs: number): Promise<void>;
}

/** Apply the limits to every session the server accepts from now on. */
export function limitSessions(server: http2.Http2Server, limits: H2ConnectionLimits): LimitedSessions {
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    const stopIdle = watchIdle(session, limits.idleTimeoutMs);
    const stopKeepalive = keepAlive(session, limits.keepaliveMs, limits.keepaliveTimeoutMs);
    session.once('close', () => {
      sessions.delete(session);
      stopIdle();
      stopKeepalive();
    });
  });
  return {
    sessions,
    closeAll: (graceMs) =>
      new Promise<void>((resolve) => {
        if (sessions.size === 0) return resolve();
        // Not unref'd: a peer that never ends its stream would otherwise keep close() pending forever.
        const timer = setTimeout(() => {
          for (const s of [...sessions]) s.destroy();
        }, graceMs);
        let left = sessions.size;
        for (const s of [...sessions]) {
          // 'close' comes once the session is gone, after its last stream or the destroy above;
          // a session the peer already closed (GOAWAY) may still be finishing streams.
          s.once('close', () => {
            if (--left > 0) return;
            clearTimeout(timer);
            resolve();
          });
          if (!s.closed) s.close();
        }
      }),
  };
}

/** Close the session once it has had no open stream for idleMs; returns the cleanup. */
function watchIdle(session: http2.ServerHttp2Session, idleMs: number): () => void {
  let open = 0;
  // One timer, refreshed rather than recreated: a busy connection opens a stream per call.
  const timer = setTimeout(() => {
    if (open === 0 && !session.closed) session.close();
  }, idleMs);
  timer.unref();
  session.on('stream', (stream) => {
    open++;
    stream.once('close', () => {
      if (--open === 0) timer.refresh();
    });
  });
  return () => clearTimeout(timer);
}

/** One PING at a time, keepaliveMs after the last answer; no answer within timeoutMs destroys the session. */
function keepAlive(session: http2.ServerHttp2Session, everyMs: number, timeoutMs: number): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(ping, everyMs);
    timer.unref();
  };
  const ping = () => {
    // A closing session (GOAWAY sent) lets its last streams finish; it is not pinged again.
    if (stopped || session.destroyed || session.closed) return;
    let sent = false;
    try {
      sent = session.ping((err) => {
        clearTimeout(timer);
        if (err) session.destroy();
        else schedule();
      });
    } catch {
      // ping() throws on a session that is closing: there is nothing left to keep alive.
    }
    if (!sent) return void session.destroy();
    timer = setTimeout(() => session.destroy(), timeoutMs);
    timer.unref();
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
