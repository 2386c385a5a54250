import fs from 'node:fs';
import { stopSuiteLlama } from './llama';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__lslTemporal?.shutdown();
  await stopSuiteLlama();
  if (process.env.LSL_TEST_TMP) fs.rmSync(process.env.LSL_TEST_TMP, { recursive: true, force: true });
}
