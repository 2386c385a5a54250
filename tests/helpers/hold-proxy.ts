/**
 * An HTTP proxy in front of a model endpoint for one worker, so a test knows which of that
 * worker's calls are in flight: it forwards every request at once and counts those not yet
 * answered. `hold()` keeps the endpoint's answers from reaching the worker (the calls stay paid
 * and in flight), so a test can kill the worker while it is provably waiting on its model.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HoldProxy {
  url: string;
  /** Requests forwarded whose answer the worker has not received. */
  inFlight(): number;
  /** From now on, answers are kept from the worker (they are still counted in flight). */
  hold(): void;
  close(): Promise<void>;
}

export async function startHoldProxy(target: string): Promise<HoldProxy> {
  const upstream = new URL(target);
  let inFlight = 0;
  let holding = false;
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    inFlight++;
    let settled = false;
    const settle = () => {
      if (!settled) {
        settled = true;
        inFlight--;
      }
    };
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host } },
      (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          // The endpoint has answered (and counted the call); a held answer never reaches the worker.
          if (holding) return void held.add(res);
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(Buffer.concat(chunks));
          settle();
        });
      },
    );
    out.on('error', () => {
      settle();
      res.destroy();
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    inFlight: () => inFlight,
    hold: () => {
      holding = true;
    },
    close: () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
