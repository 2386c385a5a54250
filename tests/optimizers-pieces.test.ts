/** The named pieces of the searches: OPRO's trajectory, roulette wheel, binary tournament, and the operators' requests. */
import { Rng } from '../src/core/random';
import { buildMetaPrompt, trajectory } from '../src/core/optimizers/opro/meta-prompt';
import { rouletteTwo } from '../src/core/optimizers/evoprompt/roulette';
import { crossoverPrompt, differentialPrompt } from '../src/core/optimizers/evoprompt/prompts';
import { binaryTournament } from '../src/core/optimizers/promptbreeder/tournament';
import { edaPrompt, firstOrderPrompt, lamarckianPrompt } from '../src/core/optimizers/promptbreeder/operators';
import { parseReflection } from '../src/core/gepa';

const blocks = (prompt: string) => [...prompt.matchAll(/```\n([\s\S]*?)\n```/g)].map((m) => m[1]);

describe("OPRO's trajectory", () => {
  it('keeps the best score of each distinct text, the top k, sorted ascending', () => {
    const t = trajectory([
      { text: 'a', score: 0.2 }, { text: 'b', score: 0.9 }, { text: 'a', score: 0.5 }, { text: 'c', score: 0.1 }, { text: 'd', score: 0.7 },
    ], 3);
    expect(t).toEqual([{ text: 'a', score: 0.5 }, { text: 'd', score: 0.7 }, { text: 'b', score: 0.9 }]);
  });

  it('shows each instruction in a block with its whole-percent score, exemplars after, and asks for one block', () => {
    const p = buildMetaPrompt({ instructions: [{ text: 'x', score: 0.333 }, { text: 'y', score: 0.8 }], exemplars: [{ input: 'Q1', solution: 'S1' }, { input: 'Q2' }] });
    expect(blocks(p)).toEqual(['x', 'y', 'Problem:\nQ1\n\nSolution:\nS1', 'Problem:\nQ2']);
    expect(p).toMatch(/```\nx\n```\nScore: 33\n/);
    expect(p).toMatch(/```\ny\n```\nScore: 80\n/);
    expect(p).toMatch(/fenced code block/);
  });
});

describe('roulette wheel', () => {
  it('draws two distinct members, in proportion to fitness', () => {
    const rng = Rng.fromSeed(1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) {
      const [a, b] = rouletteTwo(rng, [0.1, 0.3, 0.6]);
      expect(a).not.toBe(b);
      counts[a]++;
    }
    expect(counts[2] / 3000).toBeCloseTo(0.6, 1);
    expect(counts[0] / 3000).toBeCloseTo(0.1, 1);
  });

  it('is uniform when every fitness is zero', () => {
    const rng = Rng.fromSeed(2);
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) rouletteTwo(rng, [0, 0, 0, 0]).forEach((x) => seen.add(x));
    expect(seen.size).toBe(4);
  });
});

describe('binary tournament', () => {
  it('picks two distinct units and the fitter wins (ties: the lower position)', () => {
    const rng = Rng.fromSeed(3);
    for (let i = 0; i < 200; i++) {
      const f = [0.5, 0.2, 0.5, 0.9];
      const { winner, loser } = binaryTournament(rng, f);
      expect(winner).not.toBe(loser);
      expect(f[winner] > f[loser] || (f[winner] === f[loser] && winner < loser)).toBe(true);
    }
  });
});

describe("the operators' requests", () => {
  it('carry their instructions in fenced blocks and ask for one block back', () => {
    expect(blocks(crossoverPrompt('A', 'B'))).toEqual(['A', 'B']);
    expect(blocks(differentialPrompt({ donor1: 'd1', donor2: 'd2', best: 'best', base: 'base' }))).toEqual(['d1', 'd2', 'best', 'base']);
    expect(blocks(edaPrompt(['p', 'q', 'r']))).toEqual(['p', 'q', 'r']);
    expect(blocks(firstOrderPrompt('Make it shorter.', 'P'))).toEqual(['P']);
    expect(blocks(lamarckianPrompt([{ input: 'Q', solution: 'W' }]))).toEqual(['Problem:\nQ\n\nSolution:\nW']);
    // A fence inside an instruction cannot close our block early.
    expect(blocks(crossoverPrompt('has ```code``` inside', 'B'))[0]).toBe('has ~~~code~~~ inside');
  });

  it('a reply in one fenced block is read back by the shared parser', () => {
    expect(parseReflection('Sure.\n```\nNew one.\n```')).toEqual({ ok: true, text: 'New one.' });
  });
});
