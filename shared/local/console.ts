/**
 * The claims desk under `npm start` (issue 21): serves the built console (web/dist) at `/`, its
 * `config.json` (local: the role picker), and — local only, never in AWS — the role picker's
 * token endpoint: `GET /local-auth/parties` lists the demo parties, `POST /local-auth/tokens
 * {role, sub}` mints the same HS256 token `npm run token` prints. API paths are left alone.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { ROLES, type Role } from '#shared/http/auth.ts';
import { DEMO_PARTIES, signToken } from './tokens.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
};
const ID = /^[A-Za-z0-9._:-]{1,64}$/;

function json(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
  return true; // answered
}

export function consolePages(options: { distDir: string; jwtSecret: string }) {
  return async function serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    if (path === '/local-auth/parties' && req.method === 'GET') return json(res, 200, DEMO_PARTIES);
    if (path === '/local-auth/tokens' && req.method === 'POST') {
      let text = '';
      for await (const chunk of req as AsyncIterable<Buffer>) text += chunk.toString('utf8');
      let body: { role?: unknown; sub?: unknown } = {};
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        /* answered below */
      }
      if (!(ROLES as readonly unknown[]).includes(body.role) || typeof body.sub !== 'string' || !ID.test(body.sub)) {
        json(res, 400, { code: 'VALIDATION_FAILED', detail: `Send {role: ${ROLES.join(' | ')}, sub: an id}.` });
        return true;
      }
      json(res, 201, { token: await signToken(options.jwtSecret, { sub: body.sub, role: body.role as Role }) });
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (path === '/config.json') return json(res, 200, { apiUrl: '', auth: { local: true } });
    const file = path === '/' ? 'index.html' : path.slice(1);
    if (!/^[\w.-]+$/.test(file) || !TYPES[extname(file)]) return false; // API and other paths
    try {
      const bytes = await readFile(join(options.distDir, normalize(file)));
      res.writeHead(200, {
        'content-type': TYPES[extname(file)]!,
        'cache-control': 'no-cache',
        'content-security-policy': "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : bytes);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  };
}

/** Several page handlers in order: the first that serves the request wins. */
export function chainPages(...pages: ((req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>)[]) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    for (const page of pages) if (await page(req, res, url)) return true;
    return false;
  };
}
