/**
 * The algebra library (@cortex-js/compute-engine): parses LaTeX into canonical MathJSON.
 *
 * Two properties of the library shape this module:
 * - Its package marks the UMD build `require` resolves to as an ES module, so under plain Node
 *   `require` yields an empty namespace (jest and tsx transpile it and get the exports). We fall
 *   back to the package's ESM build, which Node >= 20.19 can `require`.
 * - It infers a type for every symbol on first use and keeps it for the life of the engine
 *   (after `x_1`, `x` is a list and `\sin x` no longer parses). Every comparison therefore
 *   parses inside its own scope, so a verdict never depends on what was graded before.
 */
import path from 'node:path';
import type { BoxedExpression, ComputeEngine } from '@cortex-js/compute-engine';
import type { MathJson } from './evaluate';

type EngineClass = typeof ComputeEngine;

let engine: ComputeEngine | undefined;

// The fallback needs a runtime choice between two builds, which a static import cannot express.
/* eslint-disable @typescript-eslint/no-require-imports */
function loadEngineClass(): EngineClass {
  const main = require('@cortex-js/compute-engine') as { ComputeEngine?: EngineClass };
  if (main?.ComputeEngine) return main.ComputeEngine;
  const esmBuild = path.join(path.dirname(require.resolve('@cortex-js/compute-engine')), 'compute-engine.min.esm.js');
  const esm = require(esmBuild) as { ComputeEngine?: EngineClass };
  if (!esm?.ComputeEngine) {
    throw new Error(`@cortex-js/compute-engine: no ComputeEngine export in ${esmBuild} (Node ${process.version} needs require() of ES modules, Node >= 20.19)`);
  }
  return esm.ComputeEngine;
}
/* eslint-enable @typescript-eslint/no-require-imports */

/** The shared engine, created on first use (loading the library takes a few hundred ms). */
export function computeEngine(): ComputeEngine {
  if (!engine) {
    const Engine = loadEngineClass();
    engine = new Engine();
  }
  return engine;
}

export interface ParsedMath {
  json: MathJson;
  /** False when the library could not make sense of the LaTeX (the tree holds Error nodes). */
  valid: boolean;
  boxed: BoxedExpression;
}

/** Parses several LaTeX strings in one fresh scope, so they share symbol types with each other only. */
export function withScope<T>(fn: (parse: (latex: string) => ParsedMath) => T): T {
  const ce = computeEngine();
  ce.pushScope();
  try {
    return fn((latex) => {
      const boxed = ce.parse(latex);
      return { json: boxed.json as MathJson, valid: boxed.isValid, boxed };
    });
  } finally {
    ce.popScope();
  }
}
