/**
 * `lsl optimize`'s optimizer settings: `--optimizer-config FILE` (the shape of an experiment
 * config's `optimizers:` section, checked by the same validator) and repeatable
 * `--optimizer-setting key=value` on top of it. Bad input is one line naming the file, line or
 * flag and the key.
 */
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_OPTIMIZER, optimizersSectionProblems } from '../core/experiment/config';
import { formatProblem } from '../core/experiment/problems';
import { parseConfigSource } from '../experiment/load';
import { UsageError, oneLine } from './errors';

type Settings = Record<string, unknown>;

const isMapping = (v: unknown): v is Settings => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The settings of `optimizer` in an optimizer config file; every entry of the file is checked. */
export function readOptimizerConfig(file: string, optimizer: string): Settings {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read optimizer config ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : oneLine(err)}`);
  }
  const source = parseConfigSource(text, file);
  if (source.problems.length) throw new UsageError(formatProblem(source.problems[0], file));
  if (!isMapping(source.value)) {
    throw new UsageError(`optimizer config ${file}: must be a mapping of optimizer name to settings (opro: { proposalsPerStep: 2 })`);
  }
  const problems = optimizersSectionProblems(source.value, { at: [], gepaGoes: 'in the GEPA flags and --optimizer-setting', seedSetBy: 'by --seed' });
  if (problems.length) throw new UsageError(formatProblem({ ...problems[0], line: source.lineOf(problems[0].at) }, file));
  if (optimizer === DEFAULT_OPTIMIZER) throw new UsageError(`optimizer config ${file}: GEPA's settings go in the GEPA flags and --optimizer-setting`);
  const settings = source.value[optimizer];
  if (settings === undefined) {
    throw new UsageError(`optimizer config ${file}: no settings for ${optimizer} (it has: ${Object.keys(source.value).join(', ') || 'none'})`);
  }
  return settings as Settings;
}

/** `key=value` pairs as nested settings: values read as YAML scalars (8, true, best), dotted keys nest. */
export function parseSettingFlags(pairs: readonly string[]): Settings {
  const out: Settings = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq).trim();
    if (!key || key.split('.').some((k) => k === '')) throw new UsageError(`--optimizer-setting '${pair}': must be key=value (e.g. proposalsPerStep=2)`);
    const raw = pair.slice(eq + 1);
    let value: unknown;
    try {
      value = parseYaml(raw);
    } catch {
      value = raw;
    }
    const path = key.split('.');
    let node = out;
    for (const k of path.slice(0, -1)) {
      if (!isMapping(node[k])) node[k] = {};
      node = node[k] as Settings;
    }
    node[path[path.length - 1]] = value;
  }
  return out;
}

/** `over` on top of `base`, mappings merged key by key. */
export function mergeSettings(base: Settings, over: Settings): Settings {
  const out: Settings = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isMapping(v) && isMapping(out[k]) ? mergeSettings(out[k] as Settings, v) : v;
  return out;
}

/** The settings of a search optimizer (not GEPA) from the file and the flags, checked like an experiment's. */
export function searchSettings(optimizer: string, file: string | undefined, pairs: readonly string[]): Settings {
  const settings = mergeSettings(file ? readOptimizerConfig(file, optimizer) : {}, parseSettingFlags(pairs));
  const problems = optimizersSectionProblems({ [optimizer]: settings }, { at: [], gepaGoes: '', seedSetBy: 'by --seed' });
  // The path below the optimizer's name, if any, then the validator's message (which names the key).
  const p = problems[0];
  if (p) throw new UsageError(`--optimizer-setting: ${p.at.length > 1 ? `${p.at.slice(1).join('.')} ` : ''}${p.message}`);
  return settings;
}
