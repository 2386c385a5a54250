/**
 * Renders report blocks as ONE self-contained HTML file: inline CSS, charts as inline SVG, no
 * scripts and no external requests, so it opens anywhere (mail attachment, offline, file://).
 * All text is escaped; only the vega-generated SVG is inserted as markup.
 */
import type { Block } from './blocks';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1d1d1f; margin: 0; background: #fafafa; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 64px; background: white; }
h1 { font-size: 26px; margin: 0 0 16px; }
h2 { font-size: 20px; margin: 36px 0 10px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 24px 0 8px; }
h4 { font-size: 14px; margin: 18px 0 6px; }
.notice { padding: 12px 16px; border-radius: 6px; margin: 12px 0; font-weight: 600; }
.notice.simulated { background: #fff3cd; border: 2px solid #e0a800; color: #6b4e00; font-size: 16px; }
.notice.warning { background: #fde8e8; border: 1px solid #d33; color: #7a1111; }
.table { overflow-x: auto; margin: 8px 0 16px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
td { white-space: nowrap; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
pre { background: #f6f8fa; border: 1px solid #e1e4e8; border-radius: 6px; padding: 10px 12px; overflow-x: auto; white-space: pre-wrap; word-break: break-word; font: 12px/1.45 ui-monospace, Menlo, Consolas, monospace; }
pre.diff span { display: block; }
pre.diff .add { background: #e6ffec; color: #116329; }
pre.diff .del { background: #ffebe9; color: #82071e; }
figure.chart { margin: 12px 0 20px; overflow-x: auto; }
figure.chart figcaption { font-size: 12px; color: #555; }
details { margin: 6px 0; }
summary { cursor: pointer; color: #0550ae; }
`;

function renderBlock(b: Block, svgs: ReadonlyMap<string, string>): string {
  switch (b.kind) {
    case 'heading':
      return `<h${b.level}>${escapeHtml(b.text)}</h${b.level}>`;
    case 'paragraph':
      return `<p>${escapeHtml(b.text)}</p>`;
    case 'notice':
      return `<div class="notice ${b.tone}" role="alert">${escapeHtml(b.text)}</div>`;
    case 'table': {
      const cls = (i: number) => (b.numeric?.[i] ? ' class="num"' : '');
      const head = `<tr>${b.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
      const body = b.rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
      return `<div class="table"><table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table></div>`;
    }
    case 'code':
      return `<pre><code>${escapeHtml(b.text)}</code></pre>`;
    case 'diff': {
      const cls = { '+': 'add', '-': 'del', ' ': 'same' } as const;
      return `<pre class="diff">${b.lines.map((l) => `<span class="${cls[l.op]}">${escapeHtml(`${l.op === '-' ? '−' : l.op} ${l.text}`)}</span>`).join('')}</pre>`;
    }
    case 'chart': {
      const svg = svgs.get(b.name);
      if (svg === undefined) throw new Error(`report: chart "${b.name}" was not rendered`);
      return `<figure class="chart" id="chart-${escapeHtml(b.name)}">${svg}<figcaption>${escapeHtml(b.caption)}</figcaption></figure>`;
    }
    case 'details':
      return `<details><summary>${escapeHtml(b.summary)}</summary>\n${b.blocks.map((x) => renderBlock(x, svgs)).join('\n')}\n</details>`;
  }
}

export function renderHtml(title: string, blocks: readonly Block[], svgs: ReadonlyMap<string, string>): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Nothing in this file may load: the policy makes any stray reference fail visibly instead of phoning out.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body><main>',
    ...blocks.map((b) => renderBlock(b, svgs)),
    '</main></body>',
    '</html>',
    '',
  ].join('\n');
}
