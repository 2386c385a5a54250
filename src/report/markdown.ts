/** Renders report blocks as GitHub-flavoured Markdown; charts are linked SVG files next to report.md. */
import type { Block } from './blocks';
import { escapeHtml } from './html';

/** Escapes what Markdown would read as markup (including raw HTML such as `<script>`). */
export function escapeMarkdown(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/([\\`*_[\]|#])/g, '\\$1');
}

function cell(text: string): string {
  return escapeMarkdown(text).replace(/\r?\n/g, ' ');
}

/** A fence longer than any backtick run inside, so prompts and outputs containing ``` stay one block. */
function fence(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

function renderBlock(b: Block): string {
  switch (b.kind) {
    case 'heading':
      return `${'#'.repeat(b.level)} ${escapeMarkdown(b.text)}`;
    case 'paragraph':
      return escapeMarkdown(b.text);
    case 'notice':
      return b.tone === 'simulated' ? `> **${escapeMarkdown(b.text)}**` : `> **Notice:** ${escapeMarkdown(b.text)}`;
    case 'table': {
      const align = b.header.map((_, i) => (b.numeric?.[i] ? '---:' : '---'));
      return [
        `| ${b.header.map(cell).join(' | ')} |`,
        `| ${align.join(' | ')} |`,
        ...b.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
      ].join('\n');
    }
    case 'code': {
      const f = fence(b.text);
      return `${f}${b.language ?? 'text'}\n${b.text}\n${f}`;
    }
    case 'diff': {
      const text = b.lines.map((l) => `${l.op}${l.text}`).join('\n');
      const f = fence(text);
      return `${f}diff\n${text}\n${f}`;
    }
    case 'chart':
      return `![${escapeMarkdown(b.title)}](${b.name}.svg)\n\n*${escapeMarkdown(b.caption)}*`;
    case 'details':
      return `<details><summary>${escapeHtml(b.summary)}</summary>\n\n${b.blocks.map(renderBlock).join('\n\n')}\n\n</details>`;
  }
}

export function renderMarkdown(blocks: readonly Block[]): string {
  return `${blocks.map(renderBlock).join('\n\n')}\n`;
}
