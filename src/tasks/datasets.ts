/**
 * The benchmark files: where each comes from (for `lsl datasets pull`) and its checksum, read
 * from the dataset's own SOURCE.md (for `lsl datasets verify`).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

interface RemoteFile { file: string; url: string; gunzipFrom?: string }

const gh = (repo: string, commit: string, p: string) => `https://raw.githubusercontent.com/${repo}/${commit}/${p}`;

/** Public sources at the commits SOURCE.md records. */
export const DATASET_SOURCES: Record<string, RemoteFile[]> = {
  gsm8k: ['train', 'test'].map((s) => ({
    file: `${s}.jsonl`,
    url: gh('openai/grade-school-math', '3101c7d5072418e28b9008a6636bde82a006892c', `grade_school_math/data/${s}.jsonl`),
  })),
  math500: [{ file: 'test.jsonl', url: gh('ZubinGou/math-evaluation-harness', 'db77bc6bb2a17c90ed2d63e88ebd8c40a82858c5', 'data/math_oai/test.jsonl') }],
  humaneval: [
    { file: 'HumanEval.jsonl.gz', url: gh('openai/human-eval', '6d43fb980f9fee3c892a914eda09951f772ad10d', 'data/HumanEval.jsonl.gz') },
    { file: 'HumanEval.jsonl', url: '', gunzipFrom: 'HumanEval.jsonl.gz' },
  ],
  mbpp: ['mbpp.jsonl', 'sanitized-mbpp.json'].map((f) => ({
    file: f, url: gh('patdfb/TPC-EES', '30c8c572bfcd0fc5fa537210710d7fde134e4868', `mbpp/${f}`),
  })),
  aime2024: [{ file: 'test.jsonl', url: gh('QwenLM/Qwen2.5-Math', 'a45202bd16f1ec06f433442dc1152d0074773465', 'evaluation/data/aime24/test.jsonl') }],
  aime2025: [{ file: 'test.jsonl', url: gh('inclusionAI/AReaL', 'f55fe685c661b0117d888fcae47d6f46e9a85087', 'evaluation/data/aime25/test.jsonl') }],
  svamp: [{ file: 'SVAMP.json', url: gh('arkilpatel/SVAMP', '689d7ccac74b9983a2ac7cc3b264f441b99e7c53', 'SVAMP.json') }],
  'gsm-hard': [{ file: 'gsmhardv2.jsonl', url: gh('reasoning-machines/pal', 'f81ca2a9777f002f98a6b4d0f10b61bd5c8feb02', 'datasets/gsmhardv2.jsonl') }],
};

/** The sha256 of every file, as its SOURCE.md records it (checked after a pull, when SOURCE.md is not there yet). */
export const KNOWN_SHA256: Record<string, string> = {
  'aime2024/test.jsonl': 'af2b8bd2aa911b6333ad0df32f3ca05c7ae8ed10f1731f4372c8ae26990bf7ac',
  'aime2025/test.jsonl': 'b4e273c02d3e7fe1b74b59eae768fc8230bfb0f79539890cb56f4361caac0331',
  'gsm-hard/gsmhardv2.jsonl': '2032b0188a49ac0ec38cbe1e695e7d62d6dddc44bbb64f920728aca710e9ddef',
  'gsm8k/test.jsonl': '3730d312f6e3440559ace48831e51066acaca737f6eabec99bccb9e4b3c39d14',
  'gsm8k/train.jsonl': '17f347dc51477c50d4efb83959dbb7c56297aba886e5544ee2aaed3024813465',
  'humaneval/HumanEval.jsonl': '1d49078ba3e2b196b9344535bef34a43021f038fad9561d6ee7c53450609a6a2',
  'humaneval/HumanEval.jsonl.gz': 'b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef',
  'math500/test.jsonl': '35dc41080a3680858b27fa7e0533d2d547825316fc5dafe5d316f4ccc5a06132',
  'mbpp/mbpp.jsonl': 'ccf64ceae9c5403bf50a044cb6d505bfd2a2963ee58338ba268fd65beab92a9f',
  'mbpp/sanitized-mbpp.json': '7fec016546acaee11dbe14f9f0bb670e59f41919f7b522a59fba34871da78551',
  'svamp/SVAMP.json': '5be77703a6d891ae476d7c082787ad361392aa02453b132516cdd5f4e7934e3e',
};

export const DATASET_NAMES = Object.keys(DATASET_SOURCES);

/** `| \`file\` | ... | \`<sha256>\` |` rows of a SOURCE.md. */
export function expectedHashes(sourceMd: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of sourceMd.split('\n')) {
    const m = /^\|\s*`([^`]+)`\s*\|.*\|\s*`([0-9a-f]{64})`\s*\|\s*$/.exec(line.trim());
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

export interface VerifyRow { dataset: string; file: string; status: 'ok' | 'missing' | 'mismatch' | 'no-hash'; expected?: string; actual?: string }

export function verifyDataset(dir: string, dataset: string): VerifyRow[] {
  const sourceMd = path.join(dir, dataset, 'SOURCE.md');
  if (!fs.existsSync(sourceMd)) return [{ dataset, file: 'SOURCE.md', status: 'missing' }];
  const hashes = expectedHashes(fs.readFileSync(sourceMd, 'utf8'));
  if (hashes.size === 0) return [{ dataset, file: 'SOURCE.md', status: 'no-hash' }];
  return [...hashes].map(([file, expected]) => {
    const p = path.join(dir, dataset, file);
    if (!fs.existsSync(p)) return { dataset, file, status: 'missing', expected };
    const actual = sha256File(p);
    return { dataset, file, status: actual === expected ? 'ok' : 'mismatch', expected, actual };
  });
}

/** Throws one line naming the first file that is missing or does not match its SOURCE.md hash. */
export function assertDatasetFiles(dir: string, relFiles: string[]): void {
  for (const rel of relFiles) {
    const [dataset, file] = rel.split('/');
    const p = path.join(dir, rel);
    if (!fs.existsSync(p)) throw new Error(`dataset file missing: ${p} (set LSL_DATASETS_DIR, or run \`lsl datasets pull ${dataset}\`)`);
    const sourceMd = path.join(dir, dataset, 'SOURCE.md');
    const expected = fs.existsSync(sourceMd)
      ? expectedHashes(fs.readFileSync(sourceMd, 'utf8')).get(file) ?? KNOWN_SHA256[rel]
      : KNOWN_SHA256[rel];
    if (expected && sha256File(p) !== expected) {
      throw new Error(`dataset hash mismatch: ${p} does not match the sha256 in ${sourceMd} (re-pull with \`lsl datasets pull ${dataset}\`)`);
    }
  }
}

/** Downloads a dataset's files from their public sources (needs internet); verification is the caller's next step. */
export async function pullDataset(dir: string, dataset: string, log: (l: string) => void): Promise<void> {
  const files = DATASET_SOURCES[dataset];
  if (!files) throw new Error(`unknown dataset '${dataset}' (known: ${DATASET_NAMES.join(', ')})`);
  const target = path.join(dir, dataset);
  fs.mkdirSync(target, { recursive: true });
  for (const f of files) {
    const dest = path.join(target, f.file);
    if (f.gunzipFrom) {
      fs.writeFileSync(dest, gunzipSync(fs.readFileSync(path.join(target, f.gunzipFrom))));
      log(`unpacked ${dest}`);
      continue;
    }
    const res = await fetch(f.url);
    if (!res.ok) throw new Error(`download failed: ${f.url} answered HTTP ${res.status}`);
    fs.writeFileSync(dest, Buffer.from(await res.arrayBuffer()));
    log(`downloaded ${dest}`);
  }
  for (const f of files) {
    const expected = KNOWN_SHA256[`${dataset}/${f.file}`];
    const actual = sha256File(path.join(target, f.file));
    if (expected && actual !== expected) throw new Error(`downloaded ${dataset}/${f.file} has sha256 ${actual}, expected ${expected}`);
  }
}
