// JUnit XML, read with fast-xml-parser (a maintained, validating XML parser; `htmlEntities` makes it
// decode character references such as &#10; and &#xA; as XML requires, which it does not by
// default). There is no one JUnit schema, so each producer's habits are known here:
// - pytest: `classname` is the module path and classes, dotted; it is turned back into pytest's own
//   node id (`tests/test_calc.py::TestMul::test_x[2-3]`) by finding the module file.
// - jest-junit: the suite is the first describe title, already in the test's name; its `file`
//   attribute (the runner sets JEST_JUNIT_ADD_FILE_ATTRIBUTE) tells same-named tests apart.
// - node --test: `classname` is always "test", and nothing names the file.
// - gotestsum, Maven Surefire and the rest: the suites' names and the class, then the test's name.
import { XMLParser } from 'fast-xml-parser';
import type { CaseStatus, TestCase } from '../types';
import { relativeFile, ReportError, testCase, type ParseOptions } from './common';

type XmlNode = Record<string, unknown>;
type Dialect = 'pytest' | 'jest' | 'node' | 'generic';

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const attr = (n: XmlNode, name: string): string | undefined =>
  typeof n[`@_${name}`] === 'string' ? (n[`@_${name}`] as string) : undefined;

/**
 * A <failure>/<error> element's text: its message attribute (the summary) and its body (usually the
 * stack), the body alone when it already holds the message. gotestsum's message is always
 * "Failed"; Node's has its newlines dropped and quotes escaped twice, so its body is taken alone.
 */
function text(node: unknown, dialect: Dialect): string {
  if (node === undefined || node === null) return '';
  if (typeof node !== 'object') return String(node);
  const n = node as XmlNode;
  const body = typeof n['#text'] === 'string' ? n['#text'] : '';
  let message = attr(n, 'message') ?? '';
  if (/^failed$/i.test(message) || (dialect === 'node' && body)) message = '';
  if (message && body) return body.includes(message) ? body : `${message}\n${body}`;
  return message || body;
}

function dialectOf(doc: XmlNode, suites: XmlNode[]): Dialect {
  const root = doc.testsuites as XmlNode | undefined;
  const rootName = root && typeof root === 'object' ? attr(root, 'name') : undefined;
  if (rootName === 'pytest tests' || suites.some((s) => attr(s, 'name') === 'pytest')) return 'pytest';
  if (rootName === 'jest tests') return 'jest';
  const cases: XmlNode[] = [];
  const collect = (s: XmlNode) => {
    cases.push(...asArray(s.testcase as XmlNode[] | undefined));
    for (const c of asArray(s.testsuite as XmlNode[] | undefined)) collect(c);
  };
  if (root && typeof root === 'object') collect(root);
  for (const s of suites) collect(s);
  if (cases.length > 0 && cases.every((c) => attr(c, 'classname') === 'test')) return 'node';
  return 'generic';
}

/** pytest's node id parts from its JUnit `classname` (module path and classes, dotted). */
function pytestPath(classname: string, file: string | undefined, opts: ParseOptions) {
  const parts = classname.split('.');
  if (file) {
    const module = file.replace(/\.py$/, '').split('/');
    const same = module.every((m, i) => parts[i] === m);
    return { file, classes: same ? parts.slice(module.length) : parts };
  }
  for (let k = parts.length; k >= 1; k--) {
    const candidate = `${parts.slice(0, k).join('/')}.py`;
    if (opts.isFile?.(candidate)) return { file: candidate, classes: parts.slice(k) };
  }
  return { file: undefined, classes: [] };
}

export function parseJunit(xml: string, opts: ParseOptions = {}): { cases: TestCase[] } {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: true,
    htmlEntities: true,
    isArray: (name) => ['testsuite', 'testcase', 'failure', 'error', 'skipped'].includes(name),
  });
  let doc: XmlNode;
  try {
    doc = parser.parse(xml, true) as XmlNode;
  } catch (err) {
    throw new ReportError(`the JUnit report is not well-formed XML: ${(err as Error).message}`);
  }
  if (doc.testsuites === undefined && doc.testsuite === undefined) {
    throw new ReportError('the JUnit report has neither a <testsuites> nor a <testsuite> root element');
  }
  const topSuites = asArray(doc.testsuite as XmlNode[] | undefined);
  const dialect = dialectOf(doc, topSuites);
  const cases: TestCase[] = [];

  const add = (c: XmlNode, chain: string[]) => {
    const title = attr(c, 'name') ?? '';
    const classname = attr(c, 'classname') ?? '';
    const failures = [...asArray(c.failure as unknown[]), ...asArray(c.error as unknown[])];
    const skipped = asArray(c.skipped as unknown[]).length > 0;
    const status: CaseStatus = failures.length > 0 ? 'failed' : skipped ? 'skipped' : 'passed';
    const message = failures.map((f) => text(f, dialect)).join('\n') || attr(c, 'failure') || 'failed';
    const base = { title, status, message, durationMs: Number(attr(c, 'time')) * 1000 };
    const file = relativeFile(attr(c, 'file'), opts.root);
    if (dialect === 'pytest') {
      // The suite chain ("pytest") is no part of a node id.
      const where = pytestPath(classname, file, opts);
      if (where.file) {
        const name = [where.file, ...where.classes, title].join('::');
        cases.push(testCase({ ...base, suites: where.classes, file: where.file, name }));
      } else {
        cases.push(testCase({ ...base, suites: classname ? [classname] : [], name: `${classname}::${title}` }));
      }
      return;
    }
    let suites = chain;
    if (dialect === 'jest') suites = chain.filter((s) => title !== s && !title.startsWith(`${s} `));
    else if (dialect === 'generic' && classname && classname !== chain[chain.length - 1]) {
      suites = [...chain, classname];
    }
    cases.push(testCase({ ...base, suites, file }));
  };
  const walk = (node: XmlNode, chain: string[]) => {
    for (const c of asArray(node.testcase as XmlNode[] | undefined)) add(c, chain);
    for (const s of asArray(node.testsuite as XmlNode[] | undefined)) {
      const name = attr(s, 'name');
      walk(s, name ? [...chain, name] : chain);
    }
  };
  // A <testsuites> root's name is a run label ("jest tests"), not part of a test's path.
  for (const r of asArray(doc.testsuites as XmlNode[] | undefined)) walk(typeof r === 'object' && r ? r : {}, []);
  for (const s of topSuites) {
    const name = attr(s, 'name');
    walk(s, name ? [name] : []);
  }
  return { cases };
}
