// The layering lint (eslint.config.mjs) fails on deliberate violations: each probe is a source text
// linted as if it were a file at that path, and must be refused by the rule that encodes the
// boundary (or accepted, where the boundary allows it).
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const importing = (what: string, from: string) => `import { ${what} } from '${from}';\nexport const probe = ${what};\n`;
const LIB = /^import-x\/no-restricted-paths: .*lib\/ is the shared runtime/;
const CONTRACT_ONLY = /^import-x\/no-restricted-paths: .*only workflows\/contract/;
const API = /^import-x\/no-restricted-paths: .*through Temporal/;
const SELF_CONTAINED = /^import-x\/no-restricted-paths: .*contract is self-contained/;
const DETERMINISTIC = /no-restricted-imports: .*deterministic/;
const WORKFLOW_VALUES = /no-restricted-imports: .*values only from other workflow files/;

/** [what it shows, file, source, the one problem expected (undefined: none)] */
const PROBES: [string, string, string, RegExp | undefined][] = [
  ['lib/ importing activities/', 'lib/probe.ts', importing('x', '../activities/ai'), LIB],
  ['lib/ importing api/', 'lib/probe.ts', importing('x', '../api/app'), LIB],
  ['lib/ importing stack/', 'lib/probe.ts', importing('x', '../stack/postgres'), LIB],
  [
    'api/ importing a workflow file',
    'api/probe.ts',
    importing('SessionState', '../workflows/session/state'),
    CONTRACT_ONLY,
  ],
  ['activities/ importing a workflow file', 'activities/probe.ts', importing('ai', '../workflows/ai'), CONTRACT_ONLY],
  [
    'api/ importing the contract',
    'api/probe.ts',
    importing('sessionWorkflowId', '../workflows/contract/session'),
    undefined,
  ],
  ['api/ importing activities/', 'api/probe.ts', importing('x', '../activities/ai'), API],
  ['api/ importing stack/', 'api/probe.ts', importing('x', '../stack/postgres'), API],
  [
    'the contract importing a workflow file',
    'workflows/contract/probe.ts',
    importing('SessionState', '../session/state'),
    SELF_CONTAINED,
  ],
  ...['node:fs', 'child_process', 'pg', '@temporalio/client', 'openai'].map((mod): [string, string, string, RegExp] => [
    `workflow code importing ${mod}`,
    'workflows/dev/probe.ts',
    `import x from '${mod}';\nexport const probe = x;\n`,
    DETERMINISTIC,
  ]),
  ['workflow code importing a pure package', 'workflows/dev/probe.ts', importing('z', 'zod'), undefined],
  [
    'workflow code taking a value from lib/',
    'workflows/dev/probe.ts',
    importing('resolveChain', '../../lib/ai/router'),
    WORKFLOW_VALUES,
  ],
  [
    'workflow code taking a type from activities/',
    'workflows/dev/probe.ts',
    "import type { Activities } from '../../activities';\nexport type Probe = Activities;\n",
    undefined,
  ],
];

let results: string[][];
beforeAll(() => {
  // One ESLint process for every probe (Jest's VM cannot load the ESM config itself).
  const input = JSON.stringify(PROBES.map(([, file, source]) => ({ file, source })));
  const out = execFileSync(process.execPath, [path.join(__dirname, 'lint-probes.mjs')], { input, encoding: 'utf8' });
  results = JSON.parse(out) as string[][];
}, 60_000);

describe('the layering lint', () => {
  it.each(PROBES.map((p, i) => [p[0], i, p[3]] as const))('%s', (_what, i, expected) => {
    expect(results[i]).toEqual(expected ? [expect.stringMatching(expected)] : []);
  });
});
