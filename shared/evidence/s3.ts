import { GetObjectCommand, HeadObjectCommand, NotFound, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { base64ToHex, DOWNLOAD_TTL_SECONDS, hexToBase64, UPLOAD_TTL_SECONDS, type EvidenceStorage, type PresignedUpload, type UploadRequest } from './port.ts';

/**
 * The evidence bucket in AWS. The upload is a presigned PutObject whose signature covers
 * `content-type`, `content-length` and `x-amz-checksum-sha256` (kept as headers, not hoisted into
 * the query): a client cannot change the size, the type or the declared hash without breaking the
 * signature, and S3 refuses bytes whose SHA-256 is not the declared one (`BadDigest`) — nothing is
 * stored then. `inspect` reads the checksum S3 verified (HeadObject with ChecksumMode).
 */
export function s3EvidenceStorage(bucket: string, client = new S3Client({ requestChecksumCalculation: 'WHEN_REQUIRED' })): EvidenceStorage {
  return {
    async presignUpload(request: UploadRequest, now: Date): Promise<PresignedUpload> {
      const checksum = hexToBase64(request.sha256);
      const command = new PutObjectCommand({
        Bucket: bucket,
        Key: request.key,
        ContentType: request.contentType,
        ContentLength: request.sizeBytes,
        ChecksumSHA256: checksum,
      });
      const signed = new Set(['content-type', 'content-length', 'x-amz-checksum-sha256']);
      const url = await getSignedUrl(client, command, {
        expiresIn: UPLOAD_TTL_SECONDS,
        signingDate: now,
        signableHeaders: signed,
        unhoistableHeaders: signed,
      });
      return {
        method: 'PUT',
        url,
        headers: { 'content-type': request.contentType, 'x-amz-checksum-sha256': checksum },
        expiresAt: new Date(now.getTime() + UPLOAD_TTL_SECONDS * 1000).toISOString(),
      };
    },

    async inspect(key: string) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
        if (!head.ChecksumSHA256) return undefined; // not uploaded through a presigned evidence upload
        return { sha256: base64ToHex(head.ChecksumSHA256), contentType: head.ContentType ?? '', sizeBytes: head.ContentLength ?? 0 };
      } catch (error) {
        if (error instanceof NotFound || (error as { name?: string }).name === 'NotFound') return undefined;
        throw error;
      }
    },

    async presignDownload(key: string, now: Date) {
      const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentDisposition: 'inline' }), {
        expiresIn: DOWNLOAD_TTL_SECONDS,
        signingDate: now,
      });
      return { url, expiresAt: new Date(now.getTime() + DOWNLOAD_TTL_SECONDS * 1000).toISOString() };
    },
  };
}
