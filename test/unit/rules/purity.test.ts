/**
 * The rules package is pure: no AWS SDK, no handlers or infrastructure, no environment, no
 * clock, no randomness. This test reads every file under shared/rules/ and fails on any of them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const RULES_DIR = fileURLToPath(new URL('../../../shared/rules/', import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));
}

/** Comments may explain what the package avoids; only code counts. */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

function moduleSpecifiers(source: string): string[] {
  const pattern = /\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\bimport\s+['"]([^'"]+)['"]|\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
  return [...source.matchAll(pattern)].map((m) => (m[1] ?? m[2] ?? m[3] ?? m[4])!);
}

/** Every impurity found in a source text. */
function impurities(source: string): string[] {
  const code = stripComments(source);
  const found = moduleSpecifiers(code)
    .filter((spec) => spec.startsWith('@aws-sdk') || /(^|[/#])(functions|infra)(\/|$)/.test(spec))
    .map((spec) => `imports ${spec}`);
  const forbidden: [RegExp, string][] = [
    [/\bprocess\.env\b/, 'process.env'],
    [/\bDate\.now\s*\(/, 'Date.now()'],
    [/\bnew\s+Date\s*\(\s*\)/, 'new Date()'],
    [/\bnew\s+Date\b(?!\s*\()/, 'new Date'],
    [/\bMath\.random\b/, 'Math.random'],
  ];
  return [...found, ...forbidden.filter(([pattern]) => pattern.test(code)).map(([, name]) => name)];
}

describe('the rules package is pure', () => {
  const files = filesUnder(RULES_DIR);

  it('finds the package files', () => {
    const names = files.map((f) => relative(RULES_DIR, f));
    expect(names).toEqual(expect.arrayContaining(['index.ts', 'claims.ts', 'calendar.ts', 'money.ts']));
  });

  it.each(files.map((f) => [relative(RULES_DIR, f), f]))(
    '%s imports nothing from @aws-sdk, functions/ or infra/ and uses no env, clock or randomness',
    (_name, file) => {
      expect(impurities(readFileSync(file, 'utf8'))).toEqual([]);
    },
  );

  it.each([
    ["import { DynamoDBClient } from '@aws-sdk/client-dynamodb';", 'imports @aws-sdk/client-dynamodb'],
    ["import { handler } from '#functions/join/handler.ts';", 'imports #functions/join/handler.ts'],
    ["import { x } from '../../infra/app.ts';", 'imports ../../infra/app.ts'],
    ["const m = await import('../functions/payout/handler.ts');", 'imports ../functions/payout/handler.ts'],
    ["import '@aws-sdk/lib-dynamodb';", 'imports @aws-sdk/lib-dynamodb'],
    ['const table = process.env.TABLE_NAME;', 'process.env'],
    ['const t = Date.now();', 'Date.now()'],
    ['const t = new Date();', 'new Date()'],
    ['const t = new Date;', 'new Date'],
    ['const r = Math.random();', 'Math.random'],
  ])('the check itself catches %s', (source, finding) => {
    expect(impurities(source)).toEqual([finding]);
  });

  it('the check allows what the package legitimately does', () => {
    const allowed = [
      "import { toMs } from './time.ts';",
      'const d = new Date(Date.UTC(2026, 0, 1));',
      '// no Date.now() here, time is passed in',
      '/* process.env is read by the handlers */',
      "const uri = 'https://example.com/functions/';",
    ].join('\n');
    expect(impurities(allowed)).toEqual([]);
  });
});
