import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keys } from '#shared/store/keys.ts';

/**
 * What a handler's code can write, found statically: every module reachable by (value) imports
 * from its entry, and in those modules every `keys.<builder>(` call — the one way the code builds a
 * table key (shared/store/keys.ts, style principle 5). Each builder's partition-key prefix
 * (`MERCHANT#`, `PAYOUT#` …) is found by calling it. test/infra/security.test.ts compares the
 * result with the grant declared in infra/handlers.ts, so a new write path needs its grant.
 */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const ALIASES: Record<string, string> = { '#shared/': 'shared/', '#functions/': 'functions/', '#infra/': 'infra/', '#test/': 'test/' };

function resolveImport(from: string, specifier: string): string | undefined {
  for (const [alias, folder] of Object.entries(ALIASES)) {
    if (specifier.startsWith(alias)) return join(projectRoot, folder, specifier.slice(alias.length));
  }
  if (specifier.startsWith('.')) return resolve(dirname(from), specifier);
  return undefined; // a package
}

/** Value imports and re-exports (not `import type`), and literal dynamic imports. */
function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const found: string[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm;
  for (const match of source.matchAll(statement)) if (!match[2]) found.push(match[3]!);
  for (const match of source.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) found.push(match[1]!);
  for (const match of source.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(match[1]!);
  return found.map((specifier) => resolveImport(file, specifier)).filter((path): path is string => Boolean(path && existsSync(path)));
}

/** Every project module reachable from `entry` (absolute), the entry included; paths relative to the project. */
export function reachableModules(entry: string): string[] {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...importsOf(file));
  }
  return [...seen].map((file) => relative(projectRoot, file)).sort();
}

const SAMPLE_INSTANT = '2026-01-01T00:00:00.000Z';

/** The partition-key prefix of a key builder, e.g. `merchant` → `MERCHANT#`. */
export function prefixOfBuilder(name: string): string {
  const builder = (keys as Record<string, (...args: string[]) => { PK: string }>)[name];
  if (!builder) throw new Error(`keys.${name} is not a key builder`);
  const arity = Math.max(builder.length, 1);
  const attempts = [
    Array.from({ length: arity }, () => 'x'),
    ...Array.from({ length: arity }, (_, i) => Array.from({ length: arity }, (_, j) => (i === j ? SAMPLE_INSTANT : 'x'))),
  ];
  for (const args of attempts) {
    try {
      const { PK } = builder(...args);
      return PK.slice(0, PK.indexOf('#') + 1);
    } catch {
      /* an argument must be an instant: try the next position */
    }
  }
  throw new Error(`keys.${name}: could not build a sample key`);
}

/** Partition-key prefixes built in the modules reachable from `entry`, with where each comes from. */
export function keyPrefixesReachableFrom(entry: string): Map<string, string[]> {
  const prefixes = new Map<string, string[]>();
  for (const module of reachableModules(entry)) {
    if (module === 'shared/store/keys.ts') continue;
    const source = readFileSync(join(projectRoot, module), 'utf8');
    // Only modules that import the key builders (`keys` elsewhere is some other variable).
    if (!/import\s*\{[^}]*\bkeys\b[^}]*\}\s*from\s*['"][^'"]*\bkeys\.ts['"]/.test(source)) continue;
    for (const match of source.matchAll(/\bkeys\.(\w+)\(/g)) {
      const prefix = prefixOfBuilder(match[1]!);
      prefixes.set(prefix, [...new Set([...(prefixes.get(prefix) ?? []), `${module} keys.${match[1]}`])]);
    }
  }
  return prefixes;
}
