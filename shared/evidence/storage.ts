import { localEvidenceStorage } from './local.ts';
import type { EvidenceStorage } from './port.ts';
import { s3EvidenceStorage } from './s3.ts';

let storage: EvidenceStorage | undefined;

/** S3 when `EVIDENCE_BUCKET` is set (AWS: CDK sets it); the local adapter otherwise (`npm start`, tests). */
export function evidenceStorage(): EvidenceStorage {
  const bucket = process.env['EVIDENCE_BUCKET'];
  storage ??= bucket ? s3EvidenceStorage(bucket) : localEvidenceStorage;
  return storage;
}
