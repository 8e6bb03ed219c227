import net from 'node:net';

/**
 * A TCP proxy between the service and PostgreSQL, to stage an outage without touching the shared
 * server: `cut()` drops every connection and refuses new ones (as a server restart or a network
 * partition would), `restore()` accepts again on the same port.
 */
export interface TcpProxy {
  port: number;
  cut(): Promise<void>;
  /**
   * From now on, what the server sends on each open connection waits until the client next writes
   * on it: the client learns that a connection is gone only when it uses it (as after a failover
   * whose news arrives late, or on a loaded machine), one connection at a time.
   */
  holdServerNewsUntilUsed(): void;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const pair = { client, upstream };
    pairs.add(pair);
    client.on('close', () => {
      pairs.delete(pair);
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  let listening = true;
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  return {
    port,
    cut: stopListening,
    holdServerNewsUntilUsed() {
      for (const { client, upstream } of pairs) {
        // Unpiped and paused, the upstream socket is not read: neither the server's message nor
        // its end of the connection reaches the client until the client writes.
        upstream.unpipe(client);
        upstream.pause();
        client.once('data', () => {
          upstream.pipe(client);
          upstream.resume();
        });
      }
    },
    async restore() {
      if (listening) return;
      await listen(port);
      listening = true;
    },
    close: stopListening,
  };
}
