import { bundle, BASELINE, handlerNames } from './bundles.ts';
const only = process.argv[2];
for (const name of [...handlerNames(), BASELINE]) {
  if (only && name !== only) continue;
  const r = await bundle(name, '/tmp/b/out');
  const top = Object.entries(r.composition)
    .slice(0, only ? 40 : 7)
    .map(([k, v]) => `${k}:${(v / 1024).toFixed(0)}`)
    .join(' ');
  console.log(name.padEnd(22), (r.bytes / 1024).toFixed(0).padStart(5), 'KB', top);
}
