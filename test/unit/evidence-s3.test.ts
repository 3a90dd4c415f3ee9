/**
 * Issue 21: the S3 adapter's presigned upload, checked offline (no request is sent). The signature
 * must cover the size, the content type and the declared SHA-256, kept as headers — so S3 refuses
 * any other bytes — and the SDK must not sign a checksum of its own (an empty body's CRC32).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { s3EvidenceStorage } from '#shared/evidence/s3.ts';

const client = new S3Client({
  region: 'cn-north-1',
  requestChecksumCalculation: 'WHEN_REQUIRED',
  credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'not-a-secret' },
});
const storage = s3EvidenceStorage('baozhang-test-evidence', client);
const NOW = new Date('2026-11-22T01:00:00Z');

describe('S3 evidence storage (issue 21)', () => {
  it('presigns a PUT whose signature covers content-length, content-type and x-amz-checksum-sha256, valid 15 minutes', async () => {
    const upload = await storage.presignUpload(
      { key: 'evidence/buyer-417/evu_abc', contentType: 'application/pdf', sizeBytes: 2048, sha256: 'ab'.repeat(32) },
      NOW,
    );
    const url = new URL(upload.url);
    expect(url.hostname).toBe('baozhang-test-evidence.s3.cn-north-1.amazonaws.com.cn');
    expect(url.pathname).toBe('/evidence/buyer-417/evu_abc');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host;x-amz-checksum-sha256');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20261122T010000Z');
    expect([...url.searchParams.keys()].filter((k) => /checksum/i.test(k))).toEqual([]);
    expect(upload).toMatchObject({
      method: 'PUT',
      headers: { 'content-type': 'application/pdf', 'x-amz-checksum-sha256': Buffer.from('ab'.repeat(32), 'hex').toString('base64') },
      expiresAt: '2026-11-22T01:15:00.000Z',
    });
  });

  it('presigns a GET valid 10 minutes', async () => {
    const download = await storage.presignDownload('evidence/buyer-417/evu_abc', NOW);
    expect(new URL(download.url).searchParams.get('X-Amz-Expires')).toBe('600');
    expect(download.expiresAt).toBe('2026-11-22T01:10:00.000Z');
  });
});
