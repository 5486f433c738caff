// A generated custom workflow definition of about `total` steps, for the designer's layout tests and
// bench/designer: plain steps of every simple kind, parallel groups (steps and branches), conditions
// with then and else, loops, and `${{ steps.<id>.output }}` references to earlier steps. Valid for
// the server's validator (shell programs: echo, git).
export function sampleDefinition(total = 200): string {
  const out: string[] = [
    '# Generated for the designer benchmark',
    `name: sample_${total}`,
    'inputs:',
    '  target: { type: string, default: main }',
    'steps:',
  ];
  let n = 0;
  const done: string[] = [];
  const ref = () => (done.length ? `\${{ steps.${done[Math.floor(done.length / 2)]}.output.text }}` : 'start');
  const leaf = (indent: number) => {
    const id = `s${++n}`;
    const pad = ' '.repeat(indent);
    const kind = n % 5;
    if (kind === 0) out.push(`${pad}- id: ${id}`, `${pad}  shell: { command: echo, args: ['${ref()}'] }`);
    else if (kind === 1)
      out.push(
        `${pad}- id: ${id}`,
        `${pad}  http:`,
        `${pad}    url: https://example.com/${id}`,
        `${pad}    retries: 1`,
      );
    else if (kind === 2) out.push(`${pad}- id: ${id}`, `${pad}  ai:`, `${pad}    prompt: 'Summarize ${ref()}'`);
    else if (kind === 3)
      out.push(`${pad}- id: ${id}`, `${pad}  memory: { action: get, namespace: workflows/sample/, key: ${id} }`);
    else out.push(`${pad}- id: ${id}`, `${pad}  shell:`, `${pad}    command: git`, `${pad}    args: [status]`);
    done.push(id);
  };
  let g = 0;
  while (n < total) {
    const left = total - n;
    if (left > 6 && n % 12 === 3) {
      g++;
      const gid = `g${g}`;
      n++;
      const type = g % 3;
      if (type === 0) {
        out.push(`  - id: ${gid}`, '    parallel:', '      steps:');
        for (let i = 0; i < 3; i++) leaf(8);
      } else if (type === 1) {
        out.push(
          `  - id: ${gid}`,
          '    condition:',
          `      if: steps.${done[done.length - 1] ?? 's1'}.output.exitCode == 0`,
          '      then:',
        );
        leaf(8);
        leaf(8);
        out.push('      else:');
        leaf(8);
      } else {
        out.push(`  - id: ${gid}`, '    loop:', '      over: [a, b]', '      max: 2', '      steps:');
        leaf(8);
        out.push(`        - id: ${gid}_p`, '          parallel:', '            branches:', '              - steps:');
        n++;
        leaf(18);
        leaf(18);
        out.push('              - steps:');
        leaf(18);
      }
      done.push(gid);
    } else leaf(2);
  }
  out.push('outputs:', `  last: \${{ steps.${done[done.length - 1]}.output }}`, '');
  return out.join('\n');
}
