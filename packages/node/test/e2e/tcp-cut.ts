/**
 * A TCP relay the fault tests put between a node and what it talks to (its chain's RPC, a peer's libp2p port or API): `cut()`
 * closes every connection through it and refuses new ones, as a machine whose network to the RPC
 * went down; `heal()` lets them through again. Real sockets both ways: the node sees exactly what
 * an unreachable host gives it (a reset, then refused connections).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export class TcpCut {
  private target: { host: string; port: number } | null = null;
  private readonly open = new Set<Socket>();
  private down = false;
  private constructor(private readonly server: Server) {}

  static async start(): Promise<TcpCut> {
    let cut: TcpCut | null = null;
    const server = createServer((client) => cut!.accept(client));
    cut = new TcpCut(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return cut;
  }

  /** the address to give the node instead of the target's */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** where connections go (an http URL's host and port) */
  to(url: string): void {
    const u = new URL(url);
    this.target = { host: u.hostname, port: Number(u.port) };
  }

  cut(): void {
    this.down = true;
    for (const s of this.open) s.destroy();
    this.open.clear();
  }

  heal(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((r) => this.server.close(r));
  }

  private accept(client: Socket): void {
    if (this.down || this.target === null) {
      client.destroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.open.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.open.delete(a);
        b.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
