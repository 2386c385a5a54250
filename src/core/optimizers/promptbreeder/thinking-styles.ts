/**
 * Thinking styles: short descriptions of a way to approach a problem, mixed into the initial
 * task prompts and the zero-order hypermutation (Fernando et al. 2023 seed 39 of them; these
 * twelve are this project's own).
 */
export const THINKING_STYLES: readonly string[] = [
  'Work through the problem one small step at a time.',
  'Restate the problem in your own words before solving it.',
  'Look for the quantity the question actually asks for and work backwards from it.',
  'Break the problem into smaller sub-problems and solve each one.',
  'Check every intermediate result before using it.',
  'Think about which common mistakes this kind of problem invites, and avoid them.',
  'Write down what is known and what is unknown first.',
  'Estimate the answer roughly, then compute it exactly and compare.',
  'Consider whether a simpler version of the problem would show the method.',
  'Keep track of units and quantities at every step.',
  'Question each assumption you make while solving.',
  'Explain the solution as if teaching it to a beginner.',
];
