import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '#functions/routes.ts';
import { tagOf } from '#shared/http/openapi.ts';
import { useApi } from './support/api.ts';

/**
 * The served OpenAPI document is one a generator turns into a good client: a real linter
 * (Redocly CLI, `recommended` rules) finds no error and no warning — none is waived — and
 * openapi-typescript types every field of the plan catalog, policy, claim and payout.
 */
const api = useApi();
const dir = mkdtempSync(join(tmpdir(), 'baozhang-openapi-'));
const file = join(dir, 'openapi.json');
let doc: any;

beforeAll(async () => {
  const res = await api.call('GET', '/v1/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
  writeFileSync(file, JSON.stringify(doc));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('GET /v1/openapi.json', () => {
  it('passes `redocly lint --extends recommended` with 0 errors and 0 warnings', () => {
    const run = spawnSync(join(process.cwd(), 'node_modules/.bin/redocly'), ['lint', file, '--extends', 'recommended', '--format', 'json'], {
      cwd: dir, // no redocly.yaml of anyone else's is picked up
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    });
    const report = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as { totals: { errors: number; warnings: number }; problems: unknown[] };
    expect(report.problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 150_000);

  it('names its shapes as components reused by $ref, files every operation under a tag and describes it', () => {
    for (const name of ['PlanCatalog', 'PlanTerms', 'DepositTerms', 'Policy', 'Claim', 'Payout', 'Enrollment', 'Problem', 'InboundEvent']) {
      expect(doc.components.schemas).toHaveProperty(name);
    }
    expect(doc.paths['/v1/claims/{claimId}'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Claim' });
    expect(doc.info.license).toEqual({ name: 'Apache 2.0', identifier: 'Apache-2.0' });
    expect(doc.info.contact).toBeDefined();
    const tags = new Set(doc.tags.map((t: { name: string }) => t.name));
    for (const route of routes) {
      const operation = doc.paths[route.path][route.method.toLowerCase()];
      expect(operation.tags).toEqual([tagOf(route)]);
      expect(tags.has(tagOf(route))).toBe(true);
      expect(operation.description.length).toBeGreaterThan(route.summary.length);
      for (const [status, response] of Object.entries<any>(operation.responses)) {
        if (Number(status) >= 400 && status !== '429')
          expect(response.content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
      }
    }
    expect(doc.paths['/v1/health'].get.responses['503'].content).toBeDefined();
    expect(doc.components.schemas.Policy.properties.premiumFen).toMatchObject({ type: 'integer', format: 'int64' });
    expect(doc.components.schemas.Policy.properties.issuedAt).toMatchObject({ type: 'string', format: 'date-time' });
  });

  it('openapi-typescript types every field of the plan catalog, policy, claim and payout (no unknown, no any)', async () => {
    const types = astToString(await openapiTS(JSON.parse(JSON.stringify(doc))));
    /** The type of a component, as openapi-typescript prints it under `components.schemas`. */
    const block = (name: string): string => {
      const start = types.indexOf(`\n        ${name}: `);
      expect(start, `component ${name}`).toBeGreaterThan(-1);
      // A block ends where the next component (8 spaces of indent: a doc comment or a name) or the schemas end.
      const rest = types.slice(start + 1);
      const next = rest.search(/\n( {8}(\/\*\*|[A-Za-z]+: )| {4}\})/);
      return next === -1 ? rest : rest.slice(0, next);
    };
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      const text = block(name);
      expect(text, `${name} has an untyped field`).not.toMatch(/\bunknown\b|\bany\b|Record<string, never>/);
      for (const [, ref] of text.matchAll(/components\["schemas"\]\["(\w+)"\]/g)) visit(ref!);
    };
    for (const name of ['PlanCatalog', 'Policy', 'Claim', 'Payout']) visit(name);
    expect([...seen]).toEqual(expect.arrayContaining(['PlanTerms', 'DepositTerms', 'Party', 'Basis', 'JsonValue', 'ClaimEvidence']));
    expect(block('PlanTerms')).toMatch(/agreementVersion: string;/);
  });
});
