/**
 * `npm run build:web`: bundles the console (web/src, Preact + TypeScript) with esbuild into
 * web/dist/ — app.js, index.html, style.css. One esbuild call, no dev server: `npm start`
 * rebuilds it when a source is newer than the bundle, and CDK uploads web/dist.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

export const webRoot = resolve(import.meta.dirname, '..', 'web');
export const defaultOutdir = join(webRoot, 'dist');
const STATIC = ['index.html', 'style.css'];

function newest(dir: string): number {
  return Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((entry) =>
      entry.isDirectory() ? newest(join(dir, entry.name)) : statSync(join(dir, entry.name)).mtimeMs,
    ),
  );
}

/** True when web/dist is missing or older than any source of the console. */
export function webIsStale(outdir = defaultOutdir): boolean {
  const bundle = join(outdir, 'app.js');
  if (!existsSync(bundle) || STATIC.some((file) => !existsSync(join(outdir, file)))) return true;
  const sources = Math.max(newest(join(webRoot, 'src')), ...STATIC.map((file) => statSync(join(webRoot, file)).mtimeMs));
  return sources > statSync(bundle).mtimeMs;
}

export async function buildWeb(outdir = defaultOutdir): Promise<void> {
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: [join(webRoot, 'src', 'main.tsx')],
    outfile: join(outdir, 'app.js'),
    bundle: true,
    format: 'esm',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  for (const file of STATIC) copyFileSync(join(webRoot, file), join(outdir, file));
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const outdir = process.argv[2] ? resolve(process.argv[2]) : defaultOutdir;
  await buildWeb(outdir);
  console.log(`Console built into ${outdir}`);
}
