import { randomBytes } from 'node:crypto';

/**
 * Evidence storage (issue 21): the claimant's files — a brand's authentication report, photos —
 * kept by Baozhang, not only pointed at. The API never carries the bytes: it hands out a presigned
 * upload that names the object's size, content type and SHA-256, and the storage itself refuses
 * bytes whose hash differs (S3 verifies `x-amz-checksum-sha256`; the local adapter does the same).
 * An item is attached to a claim only after `inspect` has read the hash the storage verified.
 *
 * Two adapters serve this port: S3 in AWS (`s3.ts`), files under `.data/evidence/` for
 * `npm start` and the tests (`local.ts`); `storage.ts` picks one from the environment.
 */

/** What may be uploaded: documents and pictures an adjuster can open in a browser. */
export const EVIDENCE_CONTENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png', 'image/webp'] as const;
export type EvidenceContentType = (typeof EVIDENCE_CONTENT_TYPES)[number];
/** 10 MiB: a scanned multi-page report fits; a video does not. */
export const EVIDENCE_MAX_BYTES = 10 * 1024 * 1024;
/** A presigned upload is usable for 15 minutes; a presigned download for 10. */
export const UPLOAD_TTL_SECONDS = 15 * 60;
export const DOWNLOAD_TTL_SECONDS = 10 * 60;

export interface UploadRequest {
  key: string;
  contentType: EvidenceContentType;
  sizeBytes: number;
  /** 64 lowercase hex characters. */
  sha256: string;
}

/** What the client sends: `method url` with exactly these headers and the declared bytes as body. */
export interface PresignedUpload {
  method: 'PUT';
  url: string;
  headers: Record<string, string>;
  expiresAt: string;
}

/** An object as the storage verified it. */
export interface StoredObject {
  sha256: string;
  contentType: string;
  sizeBytes: number;
}

export interface EvidenceStorage {
  presignUpload(request: UploadRequest, now: Date): Promise<PresignedUpload>;
  /** The stored object's verified hash, type and size; undefined when nothing was uploaded. */
  inspect(key: string): Promise<StoredObject | undefined>;
  presignDownload(key: string, now: Date): Promise<{ url: string; expiresAt: string }>;
}

/** A new upload's id: 128 random bits, so an object key is never guessable. */
export function newUploadId(): string {
  return `evu_${randomBytes(16).toString('base64url')}`;
}

/** One object per evidence item, under its uploader: `evidence/<buyerId>/<uploadId>`. */
export function evidenceKey(buyerId: string, uploadId: string): string {
  return `evidence/${buyerId}/${uploadId}`;
}

/** The `uri` an uploaded item carries on the claim (it names the upload, not a place to fetch). */
export const uploadUri = (uploadId: string) => `urn:baozhang:evidence:${uploadId}`;

export const hexToBase64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
export const base64ToHex = (base64: string) => Buffer.from(base64, 'base64').toString('hex');
