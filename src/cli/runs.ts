/** Run ids and run directories. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { homePaths } from '../paths';

export function shortHash(value: unknown, n = 8): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, n);
}

export function timestamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

export function runDirFor(id: string): string {
  const dir = path.join(homePaths.runs(), id);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function safeId(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-');
}
