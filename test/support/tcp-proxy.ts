import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Closes the listener and drops every connection: the upstream looks entirely down. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** A loopback TCP proxy to `upstream` that a fault test can cut and restore. */
export async function startTcpProxy(
  upstreamHost: string,
  upstreamPort: number,
  port = 0,
): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const listen = async (onPort: number): Promise<number> => {
    server = createServer((client) => {
      const upstream = connect(upstreamPort, upstreamHost);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    server.listen(onPort, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as { port: number }).port;
  };
  const stop = async (): Promise<void> => {
    const s = server;
    server = null;
    for (const socket of sockets) socket.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  const bound = await listen(port);
  return {
    port: bound,
    cut: stop,
    async restore() {
      await listen(bound);
    },
    close: stop,
  };
}
