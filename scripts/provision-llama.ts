/** Makes sure a llama.cpp server and a model are available (used by scripts/setup.sh): prints where. */
import { provisionLlama } from '../src/llm/llama-provision';

if (process.env.LSL_LLAMA_BASE_URL) {
  process.stdout.write(`using the OpenAI-compatible server at LSL_LLAMA_BASE_URL=${process.env.LSL_LLAMA_BASE_URL}\n`);
} else {
  const start = Date.now();
  const { python, model } = provisionLlama();
  process.stdout.write(`llama.cpp server: ${python} -m llama_cpp.server; model ${model} (${((Date.now() - start) / 1000).toFixed(1)} s)\n`);
}
