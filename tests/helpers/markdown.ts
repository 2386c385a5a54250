/** Reading the report's Markdown back in tests: a table's rows after a heading, cells unescaped. */

/** The rows of the first Markdown table after `heading`, cells unescaped. */
export function tableAfter(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  let i = lines.indexOf(heading);
  if (i < 0) throw new Error(`heading ${heading} not in the report`);
  while (i < lines.length && !lines[i].startsWith('|')) i++;
  const rows: string[][] = [];
  for (; i < lines.length && lines[i].startsWith('|'); i++) {
    const cells = lines[i].slice(2, -2).split(/ (?<!\\)\| /).map((c) => c.replace(/\\(.)/g, '$1').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
    rows.push(cells);
  }
  return rows.filter((r) => !r.every((c) => /^-+:?$/.test(c)));
}

export function asObjects(rows: string[][]): Record<string, string>[] {
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}
