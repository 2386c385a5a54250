/**
 * Content-addressed artifact store on local disk: a blob's key is the sha256 of its bytes, so
 * writing the same content twice is free and a key always names exactly one content. Workflow
 * payloads carry keys, never the blobs (Temporal payloads must stay small).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface ArtifactStore {
  put(content: string | Buffer): Promise<string>;
  putJson(value: unknown): Promise<string>;
  get(key: string): Promise<Buffer>;
  getText(key: string): Promise<string>;
  getJson<T>(key: string): Promise<T>;
  has(key: string): Promise<boolean>;
  /** Absolute path of a blob, for reports that link to it. */
  pathOf(key: string): string;
}

const KEY = /^[0-9a-f]{64}$/;

export class LocalArtifactStore implements ArtifactStore {
  constructor(readonly root: string) {}

  pathOf(key: string): string {
    if (!KEY.test(key)) throw new Error(`not an artifact key: ${JSON.stringify(key)}`);
    return path.join(this.root, key.slice(0, 2), key);
  }

  async put(content: string | Buffer): Promise<string> {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const key = createHash('sha256').update(bytes).digest('hex');
    const file = this.pathOf(key);
    if (!fs.existsSync(file)) {
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      // Write-then-rename: a crash never leaves a truncated blob under a valid key.
      const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      await fs.promises.writeFile(tmp, bytes);
      await fs.promises.rename(tmp, file);
    }
    return key;
  }

  putJson(value: unknown): Promise<string> {
    return this.put(JSON.stringify(value));
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await fs.promises.readFile(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`artifact ${key} not found in ${this.root}`);
      throw err;
    }
  }

  async getText(key: string): Promise<string> {
    return (await this.get(key)).toString('utf8');
  }

  async getJson<T>(key: string): Promise<T> {
    return JSON.parse(await this.getText(key)) as T;
  }

  async has(key: string): Promise<boolean> {
    return fs.existsSync(this.pathOf(key));
  }
}
