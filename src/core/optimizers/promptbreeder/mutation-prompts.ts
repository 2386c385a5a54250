/**
 * Mutation prompts: instructions for rewriting a task prompt. Each unit carries one; it evolves
 * through hypermutation (Fernando et al. 2023 seed 36 of them; these twelve are this project's own).
 */
export const MUTATION_PROMPTS: readonly string[] = [
  'Rewrite the instruction so that it is clearer and more precise.',
  'Change the instruction so that it warns about the mistakes most often made on this kind of task.',
  'Add one useful rule to the instruction that would help on harder problems of the task.',
  'Rephrase the instruction in different words while keeping what it asks for.',
  'Make the instruction more specific about how the final answer must be written.',
  'Shorten the instruction, keeping only what matters most.',
  'Turn the instruction into a short checklist to follow while solving.',
  'Improve the instruction by adding a check the solver should do before answering.',
  'Rewrite the instruction as an expert in this field would give it to a student.',
  'Modify the instruction so that it encourages careful step-by-step reasoning.',
  'Vary the instruction in an unexpected but sensible way.',
  'Make the instruction better at handling tricky or unusual problems of the task.',
];
