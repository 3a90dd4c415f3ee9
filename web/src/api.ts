import { signal } from './state.ts';

/** The console's configuration: `config.json` next to it (CDK writes it; `npm start` serves its own). */
export interface ConsoleConfig {
  /** The API's base URL; '' = the console's own origin (CloudFront routes /v1/* to the API). */
  apiUrl: string;
  /** `local`: the role picker (npm start); otherwise the OpenID provider's sign-in. */
  auth: { local?: boolean; issuer?: string; clientId?: string; authorizeUrl?: string };
}

export type Role = 'merchant' | 'buyer' | 'adjuster' | 'ops' | 'service';
export interface Session {
  token: string;
  role: Role;
  sub: string;
}

export const config = signal<ConsoleConfig>({ apiUrl: '', auth: {} });
export const session = signal<Session | undefined>(undefined);

/** The role and subject of a JWT (read for the menus; the API verifies the token itself). */
export function sessionOf(token: string): Session | undefined {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
    const groups = payload['cognito:groups'];
    const role = (payload['role'] ?? (Array.isArray(groups) ? groups[0] : undefined)) as Role | undefined;
    if (!role || typeof payload['sub'] !== 'string') return undefined;
    return { token, role, sub: payload['sub'] };
  } catch {
    return undefined;
  }
}

export function signIn(token: string): boolean {
  const next = sessionOf(token);
  if (!next) return false;
  sessionStorage.setItem('token', token);
  session.value = next;
  return true;
}

export function signOut(): void {
  sessionStorage.removeItem('token');
  session.value = undefined;
  location.hash = '#/';
}

/** An API problem (`application/problem+json`), shown to the user as its detail. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
  }
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  const token = session.value?.token;
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${config.value.apiUrl}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    if (res.status === 401) signOut();
    const errors = (parsed?.errors ?? []) as { path: string; message: string }[];
    throw new ApiError(
      res.status,
      parsed?.code ?? String(res.status),
      [parsed?.detail ?? res.statusText, ...errors.map((e) => `${e.path}: ${e.message}`)].join(' '),
    );
  }
  return parsed as T;
}

/** Every page of a list route. */
export async function listAll<T = unknown>(path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api<{ items: T[]; nextCursor?: string }>('GET', `${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

const hex = (buffer: ArrayBuffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');

/**
 * Uploads one evidence file: its SHA-256 computed here, a presigned upload asked for (`scope` is
 * `/v1/claims/{id}` or `/v1/policies/{id}`), the bytes PUT with the signed headers. Returns the
 * evidence item to send with the claim: `{type, uploadId}`.
 */
export async function uploadEvidence(scope: string, file: File, type: string): Promise<{ type: string; uploadId: string }> {
  const bytes = await file.arrayBuffer();
  const sha256 = hex(await crypto.subtle.digest('SHA-256', bytes));
  const started = await api<{ upload: { url: string; headers: Record<string, string> }; evidence: { type: string; uploadId: string } }>(
    'POST',
    `${scope}/evidence-uploads`,
    { type, contentType: file.type, sizeBytes: bytes.byteLength, sha256 },
  );
  const put = await fetch(started.upload.url, { method: 'PUT', headers: started.upload.headers, body: bytes });
  if (!put.ok) throw new ApiError(put.status, 'UPLOAD_REFUSED', `${file.name}: ${put.status} ${(await put.text()).slice(0, 200)}`);
  return started.evidence;
}
