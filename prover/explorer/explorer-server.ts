// The explorer on its own HTTP server (`assay explorer`): the pages of routes.ts at the root.
import Fastify, { type FastifyInstance } from "fastify";
import { type ExplorerOptions, explorerRoutes } from "./routes.js";

export interface ExplorerServerOptions extends ExplorerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
}

/** Starts the explorer; returns the server (close it with `app.close()`) and its url. */
export async function startExplorer(o: ExplorerServerOptions): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ logger: false });
  await app.register(explorerRoutes(o));
  const host = o.host ?? "127.0.0.1";
  await app.listen({ host, port: o.port ?? 0 });
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : o.port;
  return { app, url: `http://${host.includes(":") ? `[${host}]` : host}:${port}` };
}
