/**
 * Candidates as text, for every optimizer: the instruction the task model receives, a content
 * hash for caches and duplicate checks, and a seed candidate from a config's seed prompt.
 */
type Texts = { components: Record<string, string>; order: string[] };

/** The instruction sent to the task model: the components in order, separated by a blank line. */
export function renderCandidate(candidate: Texts): string {
  return candidate.order.map((name) => candidate.components[name]).join('\n\n');
}

/**
 * 64-bit content hash (16 hex chars) of a candidate's texts and component names. Two 32-bit
 * lanes (FNV-1a and a murmur-style multiply-rotate) so collisions stay negligible over the
 * thousands of proposals a long run makes. Not cryptographic.
 */
export function candidateHash(candidate: Texts): string {
  return textHash64(JSON.stringify(candidate.order.map((name) => [name, candidate.components[name]])));
}

export function textHash64(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b = (b << 13) | (b >>> 19);
  }
  // Final avalanche so short texts differing in one character differ everywhere.
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
  a ^= a >>> 16;
  b = Math.imul(b ^ (b >>> 15), 0x2c1b3c6d);
  b = Math.imul(b ^ (b >>> 12), 0x297a2d39);
  b ^= b >>> 15;
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** A seed candidate from a single instruction or named components (in the order given). */
export function seedCandidateFrom(
  seed: string | { components: Record<string, string>; order?: string[] },
): Texts {
  const { components, order } =
    typeof seed === 'string' ? { components: { instruction: seed }, order: ['instruction'] } : {
      components: seed.components,
      order: seed.order ?? Object.keys(seed.components ?? {}),
    };
  if (typeof components !== 'object' || components === null) throw new Error('seed candidate: components must be an object of texts');
  if (!Array.isArray(order) || order.length === 0) throw new Error('seed candidate: needs at least one component');
  const names = Object.keys(components);
  if (new Set(order).size !== order.length) throw new Error(`seed candidate: order repeats a component (${order.join(', ')})`);
  for (const name of order) {
    if (!(name in components)) throw new Error(`seed candidate: order names "${name}", which is not a component`);
    if (typeof components[name] !== 'string' || components[name].trim() === '') {
      throw new Error(`seed candidate: component "${name}" must be a non-empty text`);
    }
  }
  for (const name of names) if (!order.includes(name)) throw new Error(`seed candidate: component "${name}" is missing from order`);
  return { components: { ...components }, order: [...order] };
}
