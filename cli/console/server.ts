/** Starts the console on 127.0.0.1 (never another interface) and hands back its one-time start URL. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { type ConsoleDeps, createApp } from './app.ts';
import { Gatekeeper } from './security.ts';

export const LOOPBACK = '127.0.0.1';

export interface RunningConsole {
  port: number;
  /** The URL with the one-time token: open it once. */
  url: string;
  gate: Gatekeeper;
  stop(): Promise<void>;
}

export async function startConsole(deps: ConsoleDeps, port = 0): Promise<RunningConsole> {
  // The port is known only once listening (port 0), and the gate checks Host against it: route through a holder.
  let handle: (request: Request) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
  const server = createAdaptorServer({ fetch: (request) => handle(request) }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  const gate = new Gatekeeper(actual);
  const app = createApp(deps, gate);
  handle = (request) => app.fetch(request);
  return {
    port: actual,
    url: gate.startUrl(),
    gate,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
