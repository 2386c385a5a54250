/**
 * The one place a store is made from its URL (`LSL_STORE`): artifacts, the response cache, call
 * claims and reports, all in one local directory (the default: LSL_HOME's layout) or one
 * S3-compatible bucket and prefix. Layout, the same in both:
 *
 *   artifacts/<k[0..2]>/<sha256>        content-addressed blobs (write-once)
 *   cache/responses/<k[0..2]>/<key>.json model responses (write-once)
 *   cache/claims/<key>/<gen>             model calls in flight (see claims.ts)
 *   runs/<experiment id>/report/<file>   reports
 *
 * S3: credentials and region come from the AWS SDK's usual chain (environment, ~/.aws, instance
 * roles); LSL_S3_ENDPOINT (or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL) points it at MinIO, R2, ...
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ResponseCache } from '../llm/cache';
import { ContentStore, type ArtifactStore } from './artifacts';
import { CallClaims, type ClaimTimings } from './claims';
import { LocalObjects, ObjectsUnder, S3Objects, type ObjectStore } from './objects';

export interface LslStore {
  /** Printable location: a directory or `s3://bucket/prefix`. */
  location: string;
  /** True for a store other machines can reach (S3). */
  shared: boolean;
  artifacts: ArtifactStore;
  responses: ResponseCache;
  claims: CallClaims;
  /** `<experiment id>/report/<file>`. */
  runs: ObjectStore;
}

export interface OpenStoreOptions {
  /** LSL_HOME: the local default's root. */
  home: string;
  env?: NodeJS.ProcessEnv;
  claimTimings?: ClaimTimings;
}

export class StoreUrlError extends Error {}

function parseS3(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) throw new StoreUrlError(`LSL_STORE=${url}: not an S3 URL (expected s3://bucket or s3://bucket/prefix)`);
  return { bucket: m[1], prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

/** Opens the store named by `url` (undefined or '' = the local default under `home`). */
export function openStore(url: string | undefined, opts: OpenStoreOptions): LslStore {
  const env = opts.env ?? process.env;
  const within = (root: ObjectStore, location: string, shared: boolean): LslStore => ({
    location,
    shared,
    artifacts: new ContentStore(new ObjectsUnder(root, 'artifacts')),
    responses: new ResponseCache(new ObjectsUnder(root, 'cache/responses')),
    claims: new CallClaims(new ObjectsUnder(root, 'cache/claims'), opts.claimTimings),
    runs: new ObjectsUnder(root, 'runs'),
  });
  if (!url) {
    // The embedded default, with the older per-part overrides still honoured.
    const home = path.resolve(opts.home);
    return {
      location: home,
      shared: false,
      artifacts: new ContentStore(new LocalObjects(env.LSL_ARTIFACTS_DIR ?? path.join(home, 'artifacts'))),
      responses: new ResponseCache(env.LSL_CACHE_DIR ?? path.join(home, 'cache', 'responses')),
      claims: new CallClaims(new LocalObjects(path.join(home, 'cache', 'claims')), opts.claimTimings),
      runs: new LocalObjects(path.join(home, 'runs')),
    };
  }
  if (url.startsWith('s3://')) {
    const { bucket, prefix } = parseS3(url);
    const endpoint = env.LSL_S3_ENDPOINT || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
    const s3 = new S3Objects({ bucket, prefix, endpoint, env });
    return within(s3, s3.location, true);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !url.startsWith('file://')) {
    throw new StoreUrlError(`LSL_STORE=${url}: unsupported store (use s3://bucket/prefix, or a directory)`);
  }
  const dir = path.resolve(url.startsWith('file://') ? fileURLToPath(url) : url);
  return within(new LocalObjects(dir), dir, false);
}
