/** Reading dataset files with errors that name the file and line. */
import fs from 'node:fs';
import path from 'node:path';

export class DatasetError extends Error {}

export function datasetFile(datasetsDir: string, rel: string): string {
  const file = path.join(datasetsDir, rel);
  if (!fs.existsSync(file)) {
    throw new DatasetError(`dataset file missing: ${file} (set LSL_DATASETS_DIR, or run \`lsl datasets pull ${rel.split('/')[0]}\`)`);
  }
  return file;
}

export async function readJsonl<T = Record<string, unknown>>(file: string): Promise<T[]> {
  const text = await fs.promises.readFile(file, 'utf8');
  const out: T[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch (err) {
      throw new DatasetError(`${file}:${i + 1}: invalid JSON (${(err as Error).message})`);
    }
  }
  return out;
}

export async function readJsonArray<T = Record<string, unknown>>(file: string): Promise<T[]> {
  let value: unknown;
  try {
    value = JSON.parse(await fs.promises.readFile(file, 'utf8'));
  } catch (err) {
    throw new DatasetError(`${file}: invalid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(value)) throw new DatasetError(`${file}: expected a JSON array`);
  return value as T[];
}

/** Memoizes loads per (dir, pool) for the life of the process: datasets are read-only. */
export function memoLoad<T>(fn: (dir: string, pool: string) => Promise<T>): (dir: string, pool: string) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (dir, pool) => {
    const key = `${dir}\0${pool}`;
    let p = cache.get(key);
    if (!p) {
      p = fn(dir, pool);
      cache.set(key, p);
      p.catch(() => cache.delete(key));
    }
    return p;
  };
}
