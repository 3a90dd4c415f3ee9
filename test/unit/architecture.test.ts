/**
 * One direction of dependency (docs/architecture.md): a small check over the imports of shared/ and
 * functions/, run with every `npm test`.
 *
 * - rules import nothing outside shared/rules/ (no package, no other layer);
 * - stores import no http/ and no use-cases/;
 * - use cases import no http/;
 * - nothing in shared/ imports functions/ (the handlers sit on top, the local runtime is handed them);
 * - no import cycle among these files (type-only imports count: they are a dependency too);
 * - no source file in shared/ over 400 lines.
 *
 * What the code does not meet yet, because another part of issue 14 is changing exactly that, is
 * listed one entry at a time in KNOWN_VIOLATIONS with the issue that removes it. An entry that no
 * longer occurs fails the test, so the list only ever shrinks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAX_LINES = 400;

type Rule = 'rules-stay-pure' | 'store-knows-no-http-or-use-case' | 'use-case-knows-no-http' | 'shared-knows-no-functions' | 'no-cycle' | 'max-lines';

interface KnownViolation {
  rule: Rule;
  /** `from -> to` for an import, the files of a cycle joined by ` <-> `, or the file for max-lines. */
  what: string;
  issue: string;
}

/** Each entry is removed by the named part of issue 14; the merger empties this list. */
const KNOWN_VIOLATIONS: readonly KnownViolation[] = [];

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return filesUnder(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Every module a source names — static and type-only imports, re-exports, dynamic imports — as the
 * TypeScript compiler's own pre-processor reads them, plus the fixed head of a template-literal
 * dynamic import (`import(`#functions/${name}/handler.ts`)` names functions/).
 */
function specifiersOf(source: string): string[] {
  const { importedFiles } = ts.preProcessFile(source, true, true);
  const templates = [...source.matchAll(/\bimport\s*\(\s*`([^`$]*)\$\{/g)].map((m) => m[1]!);
  return [...importedFiles.map((file) => file.fileName), ...templates];
}

/** A specifier as a repository path (`shared/http/auth.ts`), or `package:<name>` for anything else. */
function resolve(from: string, specifier: string): string {
  const alias = /^#(shared|functions|infra|test)\/(.*)$/.exec(specifier);
  if (alias) return normalize(`${alias[1]}/${alias[2]}`).replace(/\/$/, '');
  if (specifier.startsWith('.')) return normalize(join(dirname(from), specifier)).replace(/\/$/, '');
  return `package:${specifier}`;
}

/** Strongly connected components with more than one file (Tarjan): every import cycle. */
function cyclesOf(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node)?.has(node)) cycles.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

const under = (path: string, dir: string) => path.startsWith(`${dir}/`);

/** The layer rules an import breaks (the cycle and size checks are separate). */
function importViolations(from: string, to: string): Rule[] {
  const found: Rule[] = [];
  if (under(from, 'shared/rules') && !under(to, 'shared/rules')) found.push('rules-stay-pure');
  if (under(from, 'shared/store') && (under(to, 'shared/http') || under(to, 'shared/use-cases'))) found.push('store-knows-no-http-or-use-case');
  if (under(from, 'shared/use-cases') && under(to, 'shared/http')) found.push('use-case-knows-no-http');
  if (under(from, 'shared') && (to === 'functions' || under(to, 'functions'))) found.push('shared-knows-no-functions');
  return found;
}

function lineCount(source: string): number {
  return source.split('\n').length - (source.endsWith('\n') ? 1 : 0);
}

/** Everything the code base breaks today, in the KnownViolation form. */
function violations(): KnownViolation[] {
  const files = [...filesUnder('shared'), ...filesUnder('functions')];
  const graph = new Map<string, Set<string>>();
  const found: KnownViolation[] = [];
  for (const file of files) {
    const source = readFileSync(join(ROOT, file), 'utf8');
    const targets = new Set(specifiersOf(source).map((specifier) => resolve(file, specifier)));
    graph.set(file, new Set([...targets].filter((target) => files.includes(target))));
    for (const target of targets) for (const rule of importViolations(file, target)) found.push({ rule, what: `${file} -> ${target}`, issue: '' });
    if (under(file, 'shared') && lineCount(source) > MAX_LINES) found.push({ rule: 'max-lines', what: file, issue: '' });
  }
  for (const cycle of cyclesOf(graph)) found.push({ rule: 'no-cycle', what: cycle.join(' <-> '), issue: '' });
  return found;
}

const key = (v: Pick<KnownViolation, 'rule' | 'what'>) => `${v.rule}: ${v.what}`;

describe('the dependency check', () => {
  const found = violations();
  const known = new Set(KNOWN_VIOLATIONS.map(key));

  it('reads the code base (shared/ and functions/, with their imports)', () => {
    expect(filesUnder('shared').length).toBeGreaterThan(50);
    expect(filesUnder('functions')).toContain('functions/routes.ts');
  });

  it('finds no violation beyond the known ones: rules pure, stores and use cases below http/, shared/ below functions/, no cycle, no file over 400 lines', () => {
    expect(found.map(key).filter((v) => !known.has(v))).toEqual([]);
  });

  it('lists no known violation that is gone (remove the entry once its issue lands)', () => {
    const now = new Set(found.map(key));
    expect(KNOWN_VIOLATIONS.filter((v) => !now.has(key(v))).map(key)).toEqual([]);
  });

  it('the check itself catches each kind of violation', () => {
    expect(importViolations('shared/rules/claims.ts', 'shared/store/claims.ts')).toEqual(['rules-stay-pure']);
    expect(importViolations('shared/rules/money.ts', 'package:zod/mini')).toEqual(['rules-stay-pure']);
    expect(importViolations('shared/store/claims.ts', 'shared/http/problem.ts')).toEqual(['store-knows-no-http-or-use-case']);
    expect(importViolations('shared/store/claims.ts', 'shared/use-cases/claims.ts')).toEqual(['store-knows-no-http-or-use-case']);
    expect(importViolations('shared/use-cases/claims.ts', 'shared/http/auth.ts')).toEqual(['use-case-knows-no-http']);
    expect(importViolations('shared/local/runtime.ts', 'functions/jobs.ts')).toEqual(['shared-knows-no-functions']);
    expect(importViolations('shared/local/runtime.ts', 'functions')).toEqual(['shared-knows-no-functions']);
    expect(importViolations('shared/use-cases/claims.ts', 'shared/store/claims.ts')).toEqual([]);
    expect(importViolations('functions/join/handler.ts', 'shared/http/handler.ts')).toEqual([]);
    expect(
      cyclesOf(
        new Map([
          ['a', new Set(['b'])],
          ['b', new Set(['c'])],
          ['c', new Set(['a'])],
          ['d', new Set(['a'])],
        ]),
      ),
    ).toEqual([['a', 'b', 'c']]);
    expect(
      cyclesOf(
        new Map([
          ['a', new Set(['b'])],
          ['b', new Set<string>()],
        ]),
      ),
    ).toEqual([]);
  });

  it('reads every kind of import, and resolves aliases and relative paths', () => {
    const source = [
      "import { a } from './a.ts';",
      "import type { B } from '#shared/http/auth.ts';",
      "export { c } from '../c.ts';",
      "import 'side-effect';",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template literal, on purpose
      'const m = await import(`#functions/${folder}/handler.ts`);',
      "// import { gone } from './commented.ts';",
    ].join('\n');
    expect(specifiersOf(source)).toEqual(['./a.ts', '#shared/http/auth.ts', '../c.ts', 'side-effect', '#functions/']);
    expect(resolve('shared/store/claims.ts', './keys.ts')).toBe('shared/store/keys.ts');
    expect(resolve('shared/store/claims.ts', '../rules/index.ts')).toBe('shared/rules/index.ts');
    expect(resolve('shared/local/runtime.ts', '#functions/')).toBe('functions');
    expect(resolve('shared/store/claims.ts', '@aws-sdk/lib-dynamodb')).toBe('package:@aws-sdk/lib-dynamodb');
  });
});
