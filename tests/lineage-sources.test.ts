/**
 * The report's lineage for the searches: their summaries keep only validated candidates in the
 * pool, so a kept candidate's parent may be one that was never validated; the report names the
 * nearest kept ancestors instead (read from the summary's `explored`).
 */
import { keptAncestors } from '../src/report/sources';

test('a parent in the pool is named as it is', () => {
  expect(keptAncestors(['c1'], new Set(['c0', 'c1']), new Map([['c1', ['c0']]]))).toEqual(['c1']);
});

test('an unvalidated parent is replaced by its nearest kept ancestors, once each, in order', () => {
  const explored = new Map([['c0', []], ['c2', ['c0']], ['c3', ['c2', 'c1']], ['c4', ['c3', 'c0']], ['c1', ['c0']]]);
  const kept = new Set(['c0', 'c1']);
  expect(keptAncestors(['c3'], kept, explored)).toEqual(['c0', 'c1']);
  expect(keptAncestors(['c4', 'c1'], kept, explored)).toEqual(['c0', 'c1']);
});

test('a parent unknown to explored (GEPA summaries have none) is kept as it is', () => {
  expect(keptAncestors(['p'], new Set(), new Map())).toEqual(['p']);
});
