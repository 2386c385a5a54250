/**
 * Content-addressed artifact store: a blob's key is the sha256 of its bytes, so writing the same
 * content twice is free and a key always names exactly one content. Workflow payloads carry
 * keys, never the blobs (Temporal payloads must stay small). Blobs live in an ObjectStore (a
 * local directory by default, or S3) as `<k[0..2]>/<key>`, written once.
 */
import { createHash } from 'node:crypto';
import { LocalObjects, type ObjectStore } from './objects';

export interface ArtifactStore {
  put(content: string | Buffer): Promise<string>;
  putJson(value: unknown): Promise<string>;
  get(key: string): Promise<Buffer>;
  getText(key: string): Promise<string>;
  getJson<T>(key: string): Promise<T>;
  has(key: string): Promise<boolean>;
  /** Path or URL of a blob, for reports that link to it. */
  pathOf(key: string): string;
  /** Where the store is (a directory or s3://bucket/prefix). */
  readonly location: string;
}

const KEY = /^[0-9a-f]{64}$/;

export class ContentStore implements ArtifactStore {
  constructor(readonly objects: ObjectStore) {}

  get location(): string {
    return this.objects.location;
  }

  private name(key: string): string {
    if (!KEY.test(key)) throw new Error(`not an artifact key: ${JSON.stringify(key)}`);
    return `${key.slice(0, 2)}/${key}`;
  }

  pathOf(key: string): string {
    return this.objects.urlOf(this.name(key));
  }

  async put(content: string | Buffer): Promise<string> {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const key = createHash('sha256').update(bytes).digest('hex');
    // Same key, same bytes: whoever writes first, the object is right (idempotent).
    await this.objects.putIfAbsent(this.name(key), bytes);
    return key;
  }

  putJson(value: unknown): Promise<string> {
    return this.put(JSON.stringify(value));
  }

  async get(key: string): Promise<Buffer> {
    const bytes = await this.objects.get(this.name(key));
    if (!bytes) throw new Error(`artifact ${key} not found in ${this.location}`);
    return bytes;
  }

  async getText(key: string): Promise<string> {
    return (await this.get(key)).toString('utf8');
  }

  async getJson<T>(key: string): Promise<T> {
    return JSON.parse(await this.getText(key)) as T;
  }

  has(key: string): Promise<boolean> {
    return this.objects.has(this.name(key));
  }
}

/** The store in a local directory (the embedded default). */
export class LocalArtifactStore extends ContentStore {
  constructor(readonly root: string) {
    super(new LocalObjects(root));
  }
}
