// An approval's details (deployPrep's are its release notes, in Markdown) rendered as Markdown,
// with raw HTML not parsed. Loaded only when a run waits for an approval.
import Markdown from 'markdown-to-jsx';

// Headings sit under the card's h2 "Waiting for approval": all become h3, whatever their level.
const H3 = { component: 'h3' } as const;
const overrides = { h1: H3, h2: H3, h3: H3, h4: H3, h5: H3, h6: H3 };

export default function ApprovalText({ text }: { text: string }) {
  return (
    <div className="wf-md">
      <Markdown options={{ disableParsingRawHTML: true, forceBlock: true, overrides }}>{text}</Markdown>
    </div>
  );
}
