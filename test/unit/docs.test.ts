import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { routes } from '#functions/routes.ts';

/**
 * The docs stay true and self-contained: the contract lives in the repository (docs/rules.md,
 * docs/api.md, docs/examples.md), every rule in force is proven by a test that names its id, and
 * every served route is in the contract.
 */
const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

/** The rule ids of the product: J1–J10, I1–I9, C1–C11, A1–A4, P1–P4, X1–X4, D1–D5. */
const RULE_IDS = Object.entries({ J: 10, I: 9, C: 11, A: 4, P: 4, X: 4, D: 5 }).flatMap(([prefix, count]) =>
  Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`),
);

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, ext) : ext.test(name) ? [path] : [];
  });
}

describe('docs', () => {
  it('README and docs/ point to nothing outside the repository', () => {
    const docs = [
      'README.md',
      ...readdirSync(new URL('docs/', root))
        .filter((n) => n.endsWith('.md'))
        .map((n) => `docs/${n}`),
    ];
    for (const doc of docs) expect(read(doc), doc).not.toMatch(/\.\.\/shared|\.\.\/seeds|\/work\//);
    expect(read('README.md')).toMatch(/docs\/rules\.md/);
  });

  it('docs/rules.md states every rule id of the product, each once as a rule', () => {
    const rules = read('docs/rules.md');
    for (const id of RULE_IDS) expect(rules.match(new RegExp(`^- \\*\\*${id}\\*\\* `, 'gm')), id).toHaveLength(1);
  });

  it('every rule in force is named by some test under test/; a planned one says so', () => {
    const rules = read('docs/rules.md');
    const planned = new Set(RULE_IDS.filter((id) => new RegExp(`^- \\*\\*${id}\\*\\* \\*\\*\\(planned: not enforced yet\\)\\*\\*`, 'm').test(rules)));
    const self = new URL(import.meta.url).pathname;
    const tests = files(new URL('test/', root).pathname, /\.ts$/)
      .filter((path) => path !== self)
      .map((path) => readFileSync(path, 'utf8'))
      .join('\n');
    const unproven = RULE_IDS.filter((id) => !planned.has(id) && !new RegExp(`\\b${id}\\b`).test(tests));
    expect(unproven).toEqual([]);
  });

  it('docs/api.md lists every route of functions/routes.ts', () => {
    const api = read('docs/api.md');
    const missing = routes.filter((route) => !api.includes(`\`${route.method} ${route.path}\``)).map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
  });
});
