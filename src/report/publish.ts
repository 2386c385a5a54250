/**
 * Reports in a shared store: the worker that writes a report copies it to the store
 * (`<experiment id>/report/<file>` in the store's runs/ area, with a manifest), so any machine
 * sharing LSL_STORE can fetch it (`lsl report <id>`); results name the store's copy.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ObjectStore } from '../store/objects';
import type { ReportFiles } from './types';

const MANIFEST = 'files.json';

/** Copies a report written in `dir` into `runs`; returns the files' locations there (the same paths when `runs` is that directory). */
export async function publishReport(runs: ObjectStore, experimentId: string, dir: string, files: ReportFiles): Promise<{ dir: string; files: ReportFiles }> {
  const names = [files.markdown, files.html, files.latex, files.jsonl, files.summary, ...files.charts].map((f) => path.basename(f));
  const at = (name: string) => `${experimentId}/report/${name}`;
  const urlOf = (f: string) => runs.urlOf(at(path.basename(f)));
  const samePlace = path.resolve(runs.urlOf(at(MANIFEST))) === path.resolve(dir, MANIFEST);
  if (!samePlace) for (const name of names) await runs.put(at(name), await fs.promises.readFile(path.join(dir, name)));
  // The manifest last: a reader that finds it finds every file.
  await runs.put(at(MANIFEST), Buffer.from(JSON.stringify({ experimentId, files: names })));
  return {
    dir: runs.urlOf(`${experimentId}/report`),
    files: {
      markdown: urlOf(files.markdown), html: urlOf(files.html), latex: urlOf(files.latex), jsonl: urlOf(files.jsonl),
      summary: urlOf(files.summary), charts: files.charts.map(urlOf),
    },
  };
}

/** Downloads a published report into `dir`; undefined when the store has none for this id. */
export async function fetchReport(runs: ObjectStore, experimentId: string, dir: string): Promise<string[] | undefined> {
  const manifest = await runs.get(`${experimentId}/report/${MANIFEST}`);
  if (!manifest) return undefined;
  const { files } = JSON.parse(manifest.toString('utf8')) as { files: string[] };
  await fs.promises.mkdir(dir, { recursive: true });
  const out: string[] = [];
  for (const name of files) {
    const bytes = await runs.get(`${experimentId}/report/${name}`);
    if (!bytes) throw new Error(`report file ${experimentId}/report/${name} not found in ${runs.location}`);
    await fs.promises.writeFile(path.join(dir, name), bytes);
    out.push(path.join(dir, name));
  }
  return out;
}
