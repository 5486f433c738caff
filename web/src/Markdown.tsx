// A message's Markdown as React elements (markdown-to-jsx): headings, lists, tables, links and code
// blocks, never raw HTML (a model's reply that contains <script> or <img onerror> shows as text),
// and only http(s), mailto and relative links (the library's sanitizer drops javascript: and data:).
import { Markdown as Render, type MarkdownToJSX } from 'markdown-to-jsx/react';
import type { AnchorHTMLAttributes } from 'react';

function Link(props: AnchorHTMLAttributes<HTMLAnchorElement>) {
  return <a {...props} target="_blank" rel="noopener noreferrer" />;
}

const OPTIONS: MarkdownToJSX.Options = {
  disableParsingRawHTML: true,
  forceBlock: true,
  wrapper: null,
  overrides: { a: { component: Link } },
};

export default function Markdown({ text }: { text: string }) {
  return (
    <div className="md">
      <Render options={OPTIONS}>{text}</Render>
    </div>
  );
}
