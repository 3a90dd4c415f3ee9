import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { clock } from '#shared/clock.ts';
import { readLimited } from '#shared/local/read-body.ts';
import {
  base64ToHex,
  DOWNLOAD_TTL_SECONDS,
  EVIDENCE_MAX_BYTES,
  hexToBase64,
  UPLOAD_TTL_SECONDS,
  type EvidenceStorage,
  type StoredObject,
  type UploadRequest,
} from './port.ts';

/**
 * The evidence storage of `npm start` and the tests: the same port as S3, served by the local
 * runtime at `/local-evidence/<key>` (see `localEvidencePage`), files under `EVIDENCE_DIR`
 * (default `.data/evidence/`). It keeps S3's promises: a URL signed (HMAC-SHA256, with a key
 * that lives as long as the process) over the key, content type, size, declared SHA-256 and
 * expiry; a PUT whose headers differ is `403 SignatureDoesNotMatch`; bytes whose SHA-256 is not
 * the declared one are `400 BadDigest` and nothing is stored. Local only — never deployed.
 */
const PREFIX = '/local-evidence/';
const signingKey = randomBytes(32);

const evidenceDir = () => resolve(process.env['EVIDENCE_DIR'] ?? '.data/evidence');
/** The runtime's own address (the payment page's, which the runtime and the tests set). */
const baseUrl = () => process.env['LOCAL_PAY_BASE_URL'] ?? `http://127.0.0.1:${process.env['PORT'] ?? 3000}`;

const sign = (...parts: (string | number)[]) => createHmac('sha256', signingKey).update(parts.join('\n')).digest('base64url');
const sameSignature = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
/** Keys are `evidence/<id>/<uploadId>`: id characters only, never `..`. */
const KEY = /^evidence\/[A-Za-z0-9._:-]{1,64}\/evu_[A-Za-z0-9_-]{22}$/;
const pathOf = (key: string) => join(evidenceDir(), key);

async function readMeta(key: string): Promise<StoredObject | undefined> {
  try {
    return JSON.parse(await readFile(`${pathOf(key)}.json`, 'utf8')) as StoredObject;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export const localEvidenceStorage: EvidenceStorage = {
  async presignUpload(request: UploadRequest, now: Date) {
    const expires = Math.floor(now.getTime() / 1000) + UPLOAD_TTL_SECONDS;
    const checksum = hexToBase64(request.sha256);
    const signature = sign('PUT', request.key, request.contentType, request.sizeBytes, checksum, expires);
    return {
      method: 'PUT' as const,
      url: `${baseUrl()}${PREFIX}${request.key}?size=${request.sizeBytes}&expires=${expires}&signature=${signature}`,
      headers: { 'content-type': request.contentType, 'x-amz-checksum-sha256': checksum },
      expiresAt: new Date(expires * 1000).toISOString(),
    };
  },
  inspect: readMeta,
  async presignDownload(key: string, now: Date) {
    const expires = Math.floor(now.getTime() / 1000) + DOWNLOAD_TTL_SECONDS;
    return { url: `${baseUrl()}${PREFIX}${key}?expires=${expires}&signature=${sign('GET', key, expires)}`, expiresAt: new Date(expires * 1000).toISOString() };
  },
};

function s3Error(res: ServerResponse, status: number, code: string, message: string): true {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
  return true; // answered
}

/**
 * The local stand-in for the bucket's endpoint: `PUT` stores an upload after checking its
 * signature, expiry, size and SHA-256; `GET` serves a stored one to a signed download URL. A
 * preflight is answered for the console (same origin locally, so it is rarely asked).
 */
export async function localEvidencePage(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  if (!url.pathname.startsWith(PREFIX)) return false;
  const key = decodeURIComponent(url.pathname.slice(PREFIX.length));
  if (!KEY.test(key)) return s3Error(res, 400, 'InvalidArgument', 'Not an evidence key.');
  const expires = Number(url.searchParams.get('expires'));
  const signature = url.searchParams.get('signature') ?? '';
  // The injected clock, like the presigner's: tests that move time move the expiry with it.
  const now = Math.floor(clock.now().getTime() / 1000);
  if (!Number.isInteger(expires) || expires < now) return s3Error(res, 403, 'AccessDenied', 'Request has expired.');

  if (req.method === 'PUT') {
    const contentType = req.headers['content-type'] ?? '';
    const checksum = String(req.headers['x-amz-checksum-sha256'] ?? '');
    const size = Number(url.searchParams.get('size'));
    if (!sameSignature(signature, sign('PUT', key, contentType, size, checksum, expires))) {
      return s3Error(res, 403, 'SignatureDoesNotMatch', 'The content type, size or checksum differs from the signed upload.');
    }
    const body = await readLimited(req, Math.min(size, EVIDENCE_MAX_BYTES));
    if (!body || body.byteLength !== size) return s3Error(res, 400, 'IncompleteBody', `The body must be exactly ${size} bytes.`);
    const actual = createHash('sha256').update(body).digest('base64');
    if (actual !== checksum) {
      return s3Error(res, 400, 'BadDigest', 'The SHA256 you specified did not match the calculated checksum.');
    }
    const file = pathOf(key);
    await mkdir(dirname(file), { recursive: true });
    const meta: StoredObject = { sha256: base64ToHex(actual), contentType, sizeBytes: size };
    // Bytes first, then the record `inspect` reads: a crash between them leaves nothing attachable.
    await writeFile(`${file}.tmp`, body);
    await rename(`${file}.tmp`, file);
    await writeFile(`${file}.json`, JSON.stringify(meta));
    res.writeHead(200, { 'x-amz-checksum-sha256': actual, etag: `"${createHash('md5').update(body).digest('hex')}"` });
    res.end();
    return true;
  }
  if (req.method === 'GET') {
    if (!sameSignature(signature, sign('GET', key, expires))) return s3Error(res, 403, 'SignatureDoesNotMatch', 'Not a signed download URL.');
    const meta = await readMeta(key);
    if (!meta) return s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    const bytes = await readFile(pathOf(key));
    res.writeHead(200, {
      'content-type': meta.contentType,
      'content-length': String(bytes.byteLength),
      'content-disposition': 'inline',
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, max-age=600',
    });
    res.end(bytes);
    return true;
  }
  res.writeHead(405, { allow: 'GET, PUT' });
  res.end();
  return true;
}

/** Test helper: forgets every local upload (the folder under EVIDENCE_DIR). */
export async function clearLocalEvidence(): Promise<void> {
  await rm(join(evidenceDir(), 'evidence'), { recursive: true, force: true });
}
