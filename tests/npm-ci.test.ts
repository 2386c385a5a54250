/**
 * `npm ci` accepts the committed lock file: it lists the optional packages of every platform
 * (with their integrity hashes), so a clean clone on any machine installs exactly the locked tree.
 * npm's own check runs (`npm ci --dry-run` validates the lock against package.json and installs
 * nothing); a lock missing one platform's entry is shown to be refused, so the check can fail.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, makeTempDir } from './helpers/cli';

function npmCiDryRun(dir: string): { code: number | null; out: string } {
  const r = spawnSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

function projectCopy(lock: string): string {
  const dir = makeTempDir('npm-ci');
  fs.copyFileSync(path.join(REPO, 'package.json'), path.join(dir, 'package.json'));
  fs.writeFileSync(path.join(dir, 'package-lock.json'), lock);
  return dir;
}

describe('npm ci from the committed lock', () => {
  const lockText = fs.readFileSync(path.join(REPO, 'package-lock.json'), 'utf8');
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  test('the lock lists other platforms\' optional packages with integrity hashes', () => {
    const packages = JSON.parse(lockText).packages as Record<string, { os?: string[]; integrity?: string; optional?: boolean }>;
    const foreign = Object.entries(packages).filter(([, p]) => p.optional && p.os && !p.os.includes(process.platform));
    expect(foreign.length).toBeGreaterThan(0);
    expect(foreign.filter(([, p]) => !p.integrity).map(([k]) => k)).toEqual([]);
  });

  test('npm ci accepts it; without one platform\'s entry it is refused', () => {
    const ok = projectCopy(lockText);
    dirs.push(ok);
    const accepted = npmCiDryRun(ok);
    expect([accepted.code, accepted.out.includes('EUSAGE') ? 'EUSAGE' : '']).toEqual([0, '']);

    const lock = JSON.parse(lockText);
    const [name] = Object.entries(lock.packages as Record<string, { os?: string[]; optional?: boolean }>)
      .find(([, p]) => p.optional && p.os && !p.os.includes(process.platform))!;
    delete lock.packages[name];
    const broken = projectCopy(JSON.stringify(lock, null, 2));
    dirs.push(broken);
    const refused = npmCiDryRun(broken);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain(`Missing: ${name.replace(/^node_modules\//, '')}@`);
  }, 240_000);
});
