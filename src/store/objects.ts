/**
 * Named objects: the one thing the artifact store, the response cache, call claims and reports
 * need from storage. Two backends: a local directory (the embedded default) and any
 * S3-compatible service (AWS S3, MinIO, R2, GCS's S3 API) through the AWS SDK.
 *
 * Names are relative paths of `/`-separated parts made of [A-Za-z0-9._-] (never `..`).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig,
} from '@aws-sdk/client-s3';

export interface ObjectStore {
  /** Where the store is, for messages and results: a directory, or `s3://bucket/prefix`. */
  readonly location: string;
  /** The object's bytes, or undefined when there is none. */
  get(name: string): Promise<Buffer | undefined>;
  /** Writes (or replaces) an object; readers see the old or the new bytes, never a part. */
  put(name: string, bytes: Buffer): Promise<void>;
  /** Writes the object only if none exists: true when this call created it (write-once). */
  putIfAbsent(name: string, bytes: Buffer): Promise<boolean>;
  has(name: string): Promise<boolean>;
  delete(name: string): Promise<void>;
  /** A URL or path naming the object, for results and messages. */
  urlOf(name: string): string;
}

const PART = /^[A-Za-z0-9._-]+$/;

export function checkName(name: string): string {
  const parts = name.split('/');
  if (!parts.every((p) => PART.test(p) && p !== '.' && p !== '..')) throw new Error(`not an object name: ${JSON.stringify(name)}`);
  return name;
}

export class LocalObjects implements ObjectStore {
  constructor(readonly root: string) {}

  get location(): string {
    return this.root;
  }

  urlOf(name: string): string {
    return path.join(this.root, ...checkName(name).split('/'));
  }

  async get(name: string): Promise<Buffer | undefined> {
    try {
      return await fs.promises.readFile(this.urlOf(name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  private async temp(file: string, bytes: Buffer): Promise<string> {
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    await fs.promises.writeFile(tmp, bytes);
    return tmp;
  }

  async put(name: string, bytes: Buffer): Promise<void> {
    const file = this.urlOf(name);
    const tmp = await this.temp(file, bytes);
    // rename is atomic: readers see no object, the old one, or the whole new one.
    await fs.promises.rename(tmp, file).catch(async (err) => {
      await fs.promises.rm(tmp, { force: true });
      throw err;
    });
  }

  async putIfAbsent(name: string, bytes: Buffer): Promise<boolean> {
    const file = this.urlOf(name);
    if (fs.existsSync(file)) return false;
    const tmp = await this.temp(file, bytes);
    try {
      // link fails with EEXIST when another writer got there first: a whole object, written once.
      await fs.promises.link(tmp, file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      await fs.promises.rm(tmp, { force: true });
    }
  }

  async has(name: string): Promise<boolean> {
    return fs.existsSync(this.urlOf(name));
  }

  async delete(name: string): Promise<void> {
    await fs.promises.rm(this.urlOf(name), { force: true });
  }
}

export interface S3Options {
  bucket: string;
  /** Key prefix without leading or trailing slash ('' for the bucket's root). */
  prefix: string;
  /** Endpoint override (MinIO, R2, ...); path-style addressing is then used. */
  endpoint?: string;
  /** Extra client settings; credentials and region otherwise come from the SDK's chain. */
  client?: S3ClientConfig;
  /** Where AWS_REGION / LSL_S3_FORCE_PATH_STYLE are read (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

const statusOf = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

export class S3Objects implements ObjectStore {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;

  constructor(opts: S3Options) {
    this.bucket = opts.bucket;
    this.prefix = opts.prefix;
    const env = opts.env ?? process.env;
    const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (opts.endpoint ? 'us-east-1' : undefined);
    this.client = new S3Client({
      ...(region ? { region } : {}),
      ...(opts.endpoint ? { endpoint: opts.endpoint, forcePathStyle: env.LSL_S3_FORCE_PATH_STYLE !== '0' } : {}),
      ...opts.client,
    });
  }

  get location(): string {
    return `s3://${this.bucket}/${this.prefix}`.replace(/\/$/, '');
  }

  private key(name: string): string {
    checkName(name);
    return this.prefix ? `${this.prefix}/${name}` : name;
  }

  urlOf(name: string): string {
    return `s3://${this.bucket}/${this.key(name)}`;
  }

  async get(name: string): Promise<Buffer | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
      return Buffer.from(await res.Body!.transformToByteArray());
    } catch (err) {
      if ((err as Error).name === 'NoSuchKey' || statusOf(err) === 404) return undefined;
      throw new Error(`cannot read ${this.urlOf(name)}: ${(err as Error).message}`);
    }
  }

  async put(name: string, bytes: Buffer): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(name), Body: bytes }));
  }

  async putIfAbsent(name: string, bytes: Buffer): Promise<boolean> {
    try {
      // A conditional write: the service refuses it (412) when the object exists.
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(name), Body: bytes, IfNoneMatch: '*' }));
      return true;
    } catch (err) {
      const status = statusOf(err);
      // 409: a concurrent conditional write of the same key is in progress; it will be the one.
      if (status === 412 || status === 409 || (err as Error).name === 'PreconditionFailed') return false;
      throw err;
    }
  }

  async has(name: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
      return true;
    } catch (err) {
      if ((err as Error).name === 'NotFound' || statusOf(err) === 404) return false;
      throw err;
    }
  }

  async delete(name: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
  }
}

/** A sub-tree of a store (`artifacts/`, `cache/responses/`, ...), itself a store. */
export class ObjectsUnder implements ObjectStore {
  constructor(readonly base: ObjectStore, readonly dir: string) {
    checkName(dir);
  }

  get location(): string {
    const u = this.base.urlOf(this.dir);
    return u;
  }

  private n(name: string): string {
    return `${this.dir}/${checkName(name)}`;
  }

  urlOf(name: string): string {
    return this.base.urlOf(this.n(name));
  }

  get(name: string) {
    return this.base.get(this.n(name));
  }

  put(name: string, bytes: Buffer) {
    return this.base.put(this.n(name), bytes);
  }

  putIfAbsent(name: string, bytes: Buffer) {
    return this.base.putIfAbsent(this.n(name), bytes);
  }

  has(name: string) {
    return this.base.has(this.n(name));
  }

  delete(name: string) {
    return this.base.delete(this.n(name));
  }
}
