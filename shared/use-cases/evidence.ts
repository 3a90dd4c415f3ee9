import { clock } from '#shared/clock.ts';
import { NotFound, RuleViolation } from '#shared/rules/errors.ts';
import type { Principal } from '#shared/rules/types.ts';
import { evidenceKey, newUploadId, uploadUri, type EvidenceContentType, type PresignedUpload } from '#shared/evidence/port.ts';
import { evidenceStorage } from '#shared/evidence/storage.ts';
import type { Evidence } from '#shared/rules/types.ts';
import { getClaim } from '#shared/store/claims.ts';
import { getPolicy } from '#shared/store/policies.ts';

/**
 * Evidence uploads (issue 21). A buyer asks for an upload — for a claim it filed, or for a policy
 * it is about to claim on — and gets a presigned PUT bound to one new, unguessable object key,
 * the file's size, content type and SHA-256. It then names the upload (`{type, uploadId}`) in
 * `POST /v1/claims` or `POST /v1/claims/{id}/evidence`; `resolveEvidence` attaches it only if the
 * storage holds it with a verified hash, and the hash on the claim is that verified one.
 */
export interface UploadInput {
  type: string;
  contentType: EvidenceContentType;
  sizeBytes: number;
  sha256: string;
}

export interface EvidenceUpload {
  uploadId: string;
  type: string;
  contentType: EvidenceContentType;
  sizeBytes: number;
  sha256: string;
  upload: PresignedUpload;
  /** What to send as one `evidence` item once the PUT succeeded. */
  evidence: { type: string; uploadId: string };
}

/** The claim or policy the upload is for must be the caller's own (anything else: 404, like a read). */
export async function createEvidenceUpload(
  principal: Principal,
  scope: { claimId: string } | { policyId: string },
  input: UploadInput,
): Promise<EvidenceUpload> {
  if ('claimId' in scope) {
    const claim = await getClaim(scope.claimId);
    if (!claim || claim.claimant.role !== 'buyer' || claim.claimant.id !== principal.id) throw new NotFound(`Claim ${scope.claimId}`);
  } else {
    const policy = await getPolicy(scope.policyId);
    if (!policy || policy.buyerId !== principal.id) throw new NotFound(`Policy ${scope.policyId}`);
  }
  const uploadId = newUploadId();
  const upload = await evidenceStorage().presignUpload(
    { key: evidenceKey(principal.id, uploadId), contentType: input.contentType, sizeBytes: input.sizeBytes, sha256: input.sha256 },
    clock.now(),
  );
  return { uploadId, ...input, upload, evidence: { type: input.type, uploadId } };
}

/** An evidence item as a client sends it: a reference (`uri`, `sha256`) or an upload (`uploadId`). */
export interface EvidenceInput {
  type: string;
  uri?: string | undefined;
  sha256?: string | undefined;
  uploadId?: string | undefined;
}

export function evidenceNotUploaded(uploadId: string): RuleViolation {
  return new RuleViolation({
    status: 422,
    code: 'EVIDENCE_NOT_UPLOADED',
    title: 'Evidence not uploaded',
    detail: `Upload ${uploadId} holds no verified file: PUT the file to the upload URL first (its bytes must match the declared SHA-256).`,
    basis: { uploadId },
  });
}

/**
 * Uploaded items become `{type, uri, sha256, uploadId, contentType, sizeBytes}` with the hash the
 * storage verified; an upload that holds nothing (never sent, or refused as tampered) is
 * `422 EVIDENCE_NOT_UPLOADED`, and a `sha256` the client repeats must be that hash. Uploads are
 * looked up under the caller's own key prefix: another buyer's upload id finds nothing.
 */
export async function resolveEvidence(buyerId: string, items: readonly EvidenceInput[] | undefined): Promise<Evidence[] | undefined> {
  if (!items) return undefined;
  return Promise.all(
    items.map(async (item): Promise<Evidence> => {
      if (!item.uploadId) return { type: item.type, uri: item.uri!, sha256: item.sha256! };
      const stored = await evidenceStorage().inspect(evidenceKey(buyerId, item.uploadId));
      if (!stored) throw evidenceNotUploaded(item.uploadId);
      if (item.sha256 && item.sha256 !== stored.sha256) throw evidenceNotUploaded(item.uploadId);
      return {
        type: item.type,
        uri: uploadUri(item.uploadId),
        sha256: stored.sha256,
        uploadId: item.uploadId,
        contentType: stored.contentType,
        sizeBytes: stored.sizeBytes,
      };
    }),
  );
}

/**
 * The claim's uploaded items with a presigned GET each (10 minutes), for a caller that may see the
 * claim (the read use case has checked that). Referenced items are returned as they are.
 */
export async function withDownloadUrls<C extends { claimant: { id: string }; evidence: readonly Evidence[] }>(claim: C): Promise<C> {
  const now = clock.now();
  const evidence = await Promise.all(
    claim.evidence.map(async (item) => {
      if (!item.uploadId) return item;
      const download = await evidenceStorage().presignDownload(evidenceKey(claim.claimant.id, item.uploadId), now);
      return { ...item, downloadUrl: download.url };
    }),
  );
  return { ...claim, evidence };
}
