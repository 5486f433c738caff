// Writes bench/memory-eval/set.json: the memory retrieval evaluation set (see README.md beside it).
// Deterministic (a seeded generator): running it again writes the same file.
//
//   npx tsx bench/memory-eval/generate.ts
import fs from 'node:fs';
import path from 'node:path';

/** xorshift32: the same sequence on every machine. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}
const rnd = random(17);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

// 400 distinctive terms: project code names that share their halves with many others, so a
// misspelt one has near neighbours to be confused with.
const HEADS = ['amber', 'basalt', 'cobalt', 'dune', 'ember', 'fjord', 'garnet', 'harbor', 'indigo', 'juniper'];
const HEADS2 = ['kestrel', 'lumen', 'marble', 'nimbus', 'onyx', 'pylon', 'quartz', 'raven', 'sable', 'tundra'];
const TAILS = ['fox', 'gate', 'wick', 'ridge', 'spire', 'vale', 'crest', 'field', 'stone', 'brook'];
const TAILS2 = ['haven', 'mere', 'shaw', 'ton', 'wood', 'burn', 'cliff', 'dale', 'ford', 'holm'];
const terms = [...HEADS, ...HEADS2].flatMap((h) => [...TAILS, ...TAILS2].map((t) => h + t));

// Words every kind of note shares: each of them appears in many entries.
const SYSTEMS = [
  'auth server',
  'api gateway',
  'billing service',
  'search index',
  'job queue',
  'cache cluster',
  'primary database',
  'worker pool',
];
const PROBLEMS = [
  'retry storms',
  'connection timeouts',
  'memory leaks',
  'lock contention',
  'slow queries',
  'cold starts',
  'disk pressure',
  'dropped messages',
];
const COMPONENTS = [
  'load balancer',
  'rate limiter',
  'connection pool',
  'scheduler',
  'serializer',
  'circuit breaker',
  'token cache',
];

type Kind = 'decision' | 'incident' | 'benchmark';
const KINDS: Kind[] = ['decision', 'incident', 'benchmark'];
const NAMESPACE: Record<Kind, string> = { decision: 'decisions/', incident: 'errors/', benchmark: 'performance/' };

interface Note {
  namespace: string;
  key: string;
  value: string;
  tags: string[];
  term: string;
  kind: Kind;
  system: string;
  problem: string;
  component: string;
}

function noteText(kind: Kind, term: string, system: string, problem: string, component: string, inTags: boolean) {
  const t = inTags ? 'the new design' : term;
  const ms = 20 + Math.floor(rnd() * 900);
  switch (kind) {
    case 'decision':
      return `We decided to adopt ${t} for the ${system} after ${problem} kept hitting it; the ${component} settings were reviewed and retries capped.`;
    case 'incident':
      return `Incident: ${t} caused ${problem} in the ${system}; the ${component} was restarted and the retries backed off within minutes.`;
    case 'benchmark':
      return `Benchmark of ${t} on the ${system}: p95 ${ms} ms under load, ${problem} seen at peak, the ${component} was the bottleneck.`;
  }
}

function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

// Every (system, problem, component) triple at most once: a paraphrase names one note.
const triples = shuffle(SYSTEMS.flatMap((s) => PROBLEMS.flatMap((p) => COMPONENTS.map((c) => [s, p, c] as const))));
const notes: Note[] = terms.map((term, i) => {
  const kind = KINDS[i % 3];
  const [system, problem, component] = triples[i];
  const inTags = i % 5 === 4; // one note in five has its term in its tags only
  const n = String(i + 1).padStart(4, '0');
  return {
    namespace: NAMESPACE[kind],
    key: `${kind === 'decision' ? 'adr' : kind === 'incident' ? 'inc' : 'bench'}-${n}`,
    value: noteText(kind, term, system, problem, component, inTags),
    tags: inTags ? [term, kind] : [kind],
    term,
    kind,
    system,
    problem,
    component,
  };
});

/** One edit: a letter dropped, doubled, swapped with the next one, or replaced (never the first). */
function misspell(word: string): string {
  const i = 1 + Math.floor(rnd() * (word.length - 2));
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  switch (Math.floor(rnd() * 4)) {
    case 0:
      return word.slice(0, i) + word.slice(i + 1);
    case 1:
      return word.slice(0, i) + word[i] + word.slice(i);
    case 2:
      return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
    default: {
      let c = pick([...letters]);
      while (c === word[i]) c = pick([...letters]);
      return word.slice(0, i) + c + word.slice(i + 1);
    }
  }
}

const QUESTIONS: Record<Kind, ((n: Note) => string)[]> = {
  decision: [
    (n) => `what did we decide about ${n.term} and the ${n.problem} in the ${n.system}?`,
    (n) => `Why did we pick ${n.term} for the ${n.system}?`,
    (n) => `remind me, what was the decision on ${n.term}?`,
  ],
  incident: [
    (n) => `what went wrong with ${n.term} when the ${n.system} had ${n.problem}?`,
    (n) => `Was the ${n.component} restarted after the ${n.term} incident?`,
    (n) => `how did we fix the ${n.term} outage?`,
  ],
  benchmark: [
    (n) => `how fast was ${n.term} on the ${n.system}?`,
    (n) => `What was the p95 of ${n.term} under load, and was the ${n.component} the bottleneck?`,
    (n) => `did ${n.term} have ${n.problem} in the benchmark?`,
  ],
};

const PARAPHRASES: ((n: Note) => string)[] = [
  (n) => `the ${n.component} trouble when ${n.problem} hit the ${n.system}`,
  (n) => `${n.problem} on the ${n.system}, and what the ${n.component} had to do with it`,
];

const sample = shuffle([...notes]).slice(0, 100);
const name = (n: Note) => `${n.namespace}${n.key}`;
const queries = [
  ...sample.map((n) => ({ kind: 'exact', q: n.term, relevant: [name(n)] })),
  ...sample.map((n) => ({ kind: 'misspelt', q: misspell(n.term), relevant: [name(n)] })),
  ...sample.map((n) => ({ kind: 'question', q: pick(QUESTIONS[n.kind])(n), relevant: [name(n)] })),
  ...sample.map((n) => ({ kind: 'paraphrase', q: pick(PARAPHRASES)(n), relevant: [name(n)] })),
];

const out = {
  description:
    'Memory retrieval evaluation set: 400 short notes (decisions, incidents, benchmarks), each with one distinctive ' +
    'term, and 100 queries per kind with the one note each should find. Written by generate.ts.',
  entries: notes.map(({ namespace, key, value, tags }) => ({ namespace, key, value, tags })),
  queries,
};
const file = path.join(__dirname, 'set.json');
fs.writeFileSync(file, JSON.stringify(out, null, 1) + '\n');
process.stdout.write(
  `wrote ${path.relative(process.cwd(), file)}: ${notes.length} entries, ${queries.length} queries\n`,
);
