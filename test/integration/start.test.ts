import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('npm start without Java', () => {
  it('says so in one clear line with how to install it, and exits non-zero', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      env: { ...process.env, PATH: '/nonexistent' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Java 17\+ is required.*install it/);
  });
});
