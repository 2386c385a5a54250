/** The view of the model registry that validation and planning need (the registry satisfies it). */
import type { ModelSpec } from '../../llm/types';

export interface ModelCatalog {
  /** Every registry name. */
  names(): readonly string[];
  /** The spec of a known name (only called with names from `names()`). */
  get(name: string): ModelSpec;
}

/** A catalog over a list of specs (tests, and callers holding specs already). */
export function catalogOf(specs: readonly ModelSpec[]): ModelCatalog {
  const byName = new Map(specs.map((s) => [s.name, s]));
  return {
    names: () => [...byName.keys()],
    get: (name) => {
      const spec = byName.get(name);
      if (!spec) throw new Error(`unknown model '${name}' (known: ${[...byName.keys()].join(', ')})`);
      return spec;
    },
  };
}

/** True when the spec has both prices, so dollars can be computed. */
export function isPriced(spec: ModelSpec): boolean {
  return spec.priceInputPerM !== undefined && spec.priceOutputPerM !== undefined;
}
