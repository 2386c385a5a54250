import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__lslTemporal?.shutdown();
  if (process.env.LSL_TEST_TMP) fs.rmSync(process.env.LSL_TEST_TMP, { recursive: true, force: true });
}
