import net from 'node:net';

/**
 * A TCP proxy a test can take down and bring back, to simulate a broker outage without
 * touching the shared broker: `stop()` refuses new connections and cuts open ones.
 */
export class TcpProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      if (this.server !== server) return void client.destroy();
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    // Stop listening at once; the close callback would wait for sockets the OS is still tearing down.
    server?.close();
    for (const socket of [...this.sockets]) socket.destroy();
    this.sockets.clear();
  }

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }
}
