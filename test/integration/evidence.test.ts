/**
 * Issue 21, evidence storage through the local adapter (the same port as S3): a presigned upload
 * bound to the declared size, content type and SHA-256; bytes that do not match are refused by the
 * storage and can never be attached; the hash on the claim is the one the storage verified; reads
 * are presigned GETs for the parties that may see the claim.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock, setClock, systemClock } from '#shared/clock.ts';
import { ClaimSchema } from '#shared/http/schemas.ts';
import { parties, useApi, type Caller } from './support/api.ts';
import { seedCovered } from './support/seed.ts';

const api = useApi();
const NOW = '2026-11-22T09:00:00+08:00';
const clock = fixedClock(NOW);
const dir = mkdtempSync(join(tmpdir(), 'baozhang-evidence-'));
beforeAll(() => {
  setClock(clock);
  process.env['EVIDENCE_DIR'] = dir;
});
afterAll(() => {
  setClock(systemClock);
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => clock.set(NOW));

const REPORT = Buffer.from('%PDF-1.7\nBrand authentication report: counterfeit.\n%%EOF\n');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function startUpload(scope: string, bytes: Buffer, as: Caller = parties.buyer, overrides: Record<string, unknown> = {}) {
  return api.call('POST', `${scope}/evidence-uploads`, {
    as,
    body: { type: 'brand-authentication-report', contentType: 'application/pdf', sizeBytes: bytes.byteLength, sha256: sha256(bytes), ...overrides },
  });
}

const put = (upload: { url: string; headers: Record<string, string> }, body: Buffer, headers: Record<string, string> = {}) =>
  fetch(upload.url, { method: 'PUT', headers: { ...upload.headers, ...headers }, body });

const filesIn = (root: string): string[] =>
  existsSync(root)
    ? readdirSync(root, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => e.name)
    : [];

describe('evidence uploads (issue 21)', () => {
  it('a report uploaded with the claim: presigned PUT, verified hash on the claim, presigned GET for the adjuster and the merchant', async () => {
    const { policy } = await seedCovered('authenticity');
    const started = await startUpload(`/v1/policies/${policy.policyId}`, REPORT);
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({
      uploadId: expect.stringMatching(/^evu_[A-Za-z0-9_-]{22}$/),
      contentType: 'application/pdf',
      sizeBytes: REPORT.byteLength,
      upload: { method: 'PUT', headers: { 'content-type': 'application/pdf', 'x-amz-checksum-sha256': createHash('sha256').update(REPORT).digest('base64') } },
    });
    expect(started.body.evidence).toEqual({ type: 'brand-authentication-report', uploadId: started.body.uploadId });
    expect((await put(started.body.upload, REPORT)).status).toBe(200);

    const filed = await api.call('POST', '/v1/claims', {
      as: parties.buyer,
      body: { policyId: policy.policyId, lineId: 'L1', evidence: [started.body.evidence] },
    });
    expect(filed.status).toBe(201);
    expect(filed.body.evidence).toEqual([
      {
        type: 'brand-authentication-report',
        uri: `urn:baozhang:evidence:${started.body.uploadId}`,
        sha256: sha256(REPORT),
        uploadId: started.body.uploadId,
        contentType: 'application/pdf',
        sizeBytes: REPORT.byteLength,
      },
    ]);

    for (const who of [parties.adjuster, parties.merchant, parties.buyer]) {
      const read = await api.call('GET', `/v1/claims/${filed.body.claimId}`, { as: who });
      expect(read.status).toBe(200);
      expect(ClaimSchema.safeParse(read.body).error).toBeUndefined();
      const download = await fetch(read.body.evidence[0].downloadUrl);
      expect(download.status).toBe(200);
      expect(download.headers.get('content-type')).toBe('application/pdf');
      expect(Buffer.from(await download.arrayBuffer()).equals(REPORT)).toBe(true);
    }
    // Another buyer reads nothing of the claim, so gets no URL.
    expect((await api.call('GET', `/v1/claims/${filed.body.claimId}`, { as: parties.otherBuyer })).status).toBe(404);
  });

  it('tampered bytes (≠ the declared SHA-256) are refused by the storage, nothing is stored, and the upload can never be attached', async () => {
    const { policy } = await seedCovered('authenticity');
    const started = await startUpload(`/v1/policies/${policy.policyId}`, REPORT);
    const tampered = Buffer.from(REPORT);
    tampered[20] = tampered[20]! ^ 0x01; // same size, one bit flipped
    const refused = await put(started.body.upload, tampered);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('<Code>BadDigest</Code>');
    expect(filesIn(dir).filter((name) => name.startsWith(started.body.uploadId))).toEqual([]);

    const filed = await api.call('POST', '/v1/claims', {
      as: parties.buyer,
      body: { policyId: policy.policyId, lineId: 'L1', evidence: [started.body.evidence] },
    });
    expect(filed.status).toBe(422);
    expect(filed.body).toMatchObject({ code: 'EVIDENCE_NOT_UPLOADED', basis: { uploadId: started.body.uploadId } });
    expect((await api.call('GET', '/v1/claims', { as: parties.buyer })).body.items.filter((c: any) => c.policyId === policy.policyId)).toEqual([]);
  });

  it('the signed upload admits only its own size, type and checksum, before it expires', async () => {
    const { policy } = await seedCovered('authenticity');
    const started = await startUpload(`/v1/policies/${policy.policyId}`, REPORT);
    // Another declared hash (matching other bytes) breaks the signature: S3's SignatureDoesNotMatch.
    const other = Buffer.from('other bytes');
    expect((await put(started.body.upload, other, { 'x-amz-checksum-sha256': createHash('sha256').update(other).digest('base64') })).status).toBe(403);
    expect((await put(started.body.upload, REPORT, { 'content-type': 'text/html' })).status).toBe(403);
    expect((await put(started.body.upload, Buffer.concat([REPORT, Buffer.from('x')]))).status).toBe(400);
    clock.advance(16 * 60_000);
    expect((await put(started.body.upload, REPORT)).status).toBe(403);
  });

  it("uploads are the caller's own: another buyer's policy or claim is 404, another buyer's upload id attaches nothing", async () => {
    const { policy } = await seedCovered('authenticity');
    expect((await startUpload(`/v1/policies/${policy.policyId}`, REPORT, parties.otherBuyer)).status).toBe(404);
    expect((await startUpload('/v1/claims/clm_NOPE', REPORT)).status).toBe(404);
    expect((await startUpload(`/v1/policies/${policy.policyId}`, REPORT, parties.merchant)).status).toBe(403);

    const mine = await startUpload(`/v1/policies/${policy.policyId}`, REPORT);
    expect((await put(mine.body.upload, REPORT)).status).toBe(200);
    const { policy: theirs } = await seedCovered('authenticity', { buyerId: parties.otherBuyer.sub });
    const filed = await api.call('POST', '/v1/claims', {
      as: parties.otherBuyer,
      body: { policyId: theirs.policyId, lineId: 'L1', evidence: [mine.body.evidence] },
    });
    expect(filed.status).toBe(422);
    expect(filed.body.code).toBe('EVIDENCE_NOT_UPLOADED');
  });

  it('limits: type, size and hash are validated, and an item is a reference or an upload, not both', async () => {
    const { policy } = await seedCovered('authenticity');
    const scope = `/v1/policies/${policy.policyId}`;
    const html = await startUpload(scope, REPORT, parties.buyer, { contentType: 'text/html' });
    expect(html.status).toBe(400);
    expect(html.body.errors[0].path).toBe('body.contentType');
    expect((await startUpload(scope, REPORT, parties.buyer, { sizeBytes: 10 * 1024 * 1024 + 1 })).body.errors[0].path).toBe('body.sizeBytes');
    expect((await startUpload(scope, REPORT, parties.buyer, { sha256: 'ABC' })).body.errors[0].path).toBe('body.sha256');
    const both = await api.call('POST', '/v1/claims', {
      as: parties.buyer,
      body: { policyId: policy.policyId, evidence: [{ type: 'x', uploadId: 'evu_x', uri: 'https://e.example/r', sha256: 'a'.repeat(64) }] },
    });
    expect(both.status).toBe(400);
  });

  it('A2 a request for information answered with an uploaded page: back to UNDER_REVIEW with both files', async () => {
    const { policy } = await seedCovered('authenticity');
    const first = await startUpload(`/v1/policies/${policy.policyId}`, REPORT);
    await put(first.body.upload, REPORT);
    const filed = await api.call('POST', '/v1/claims', {
      as: parties.buyer,
      body: { policyId: policy.policyId, lineId: 'L1', evidence: [first.body.evidence] },
    });
    expect(filed.body.status).toBe('UNDER_REVIEW');
    const claimId = filed.body.claimId;
    expect(
      (await api.call('POST', `/v1/claims/${claimId}/decisions`, { as: parties.adjuster, body: { decision: 'request-info', note: 'Page 2, please' } })).status,
    ).toBe(200);

    const page2 = Buffer.from('\x89PNG\r\n\x1a\npage two');
    const second = await startUpload(`/v1/claims/${claimId}`, page2, parties.buyer, { type: 'report-page', contentType: 'image/png' });
    expect(second.status).toBe(201);
    expect((await startUpload(`/v1/claims/${claimId}`, page2, parties.otherBuyer)).status).toBe(404);
    expect((await put(second.body.upload, page2)).status).toBe(200);
    const added = await api.call('POST', `/v1/claims/${claimId}/evidence`, { as: parties.buyer, body: { evidence: [second.body.evidence], note: 'Page 2' } });
    expect(added.status).toBe(200);
    expect(added.body.status).toBe('UNDER_REVIEW');
    expect(added.body.evidence.map((e: any) => [e.type, e.sha256, e.contentType])).toEqual([
      ['brand-authentication-report', sha256(REPORT), 'application/pdf'],
      ['report-page', sha256(page2), 'image/png'],
    ]);
  });
});
