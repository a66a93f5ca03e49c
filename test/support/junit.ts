/**
 * Reads a JUnit XML file with a real XML parser (fast-xml-parser, what CI
 * tools' readers do in effect), so the tests check the file parses, not
 * only that it contains the right text.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface JunitCase {
  classname: string;
  name: string;
  properties: Record<string, string>;
  failure?: { message: string; type: string };
  out: string;
}

export interface JunitSuite {
  name: string;
  tests: number;
  failures: number;
  cases: JunitCase[];
  properties: Record<string, string>;
}

export interface Junit {
  tests: number;
  failures: number;
  suites: JunitSuite[];
}

type Node = Record<string, unknown>;

function props(node: Node | undefined): Record<string, string> {
  const list = ((node?.properties as Node | undefined)?.property ?? []) as Node[];
  return Object.fromEntries(list.map((p) => [String(p['@_name']), String(p['@_value'])]));
}

export function parseJunit(text: string): Junit {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new Error(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const parser = new XMLParser({
    ignoreAttributes: false,
    parseAttributeValue: false,
    isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
  });
  const doc = parser.parse(text) as { testsuites?: Node };
  const root = doc.testsuites;
  if (!root) throw new Error('no <testsuites> root element');
  const suites = ((root.testsuite ?? []) as Node[]).map(
    (s): JunitSuite => ({
      name: String(s['@_name']),
      tests: Number(s['@_tests']),
      failures: Number(s['@_failures']),
      properties: props(s),
      cases: ((s.testcase ?? []) as Node[]).map((c) => {
        const out: JunitCase = { classname: String(c['@_classname']), name: String(c['@_name']), properties: props(c), out: String(c['system-out'] ?? '') };
        const f = c.failure as Node | undefined;
        if (f !== undefined) out.failure = { message: String(f['@_message'] ?? ''), type: String(f['@_type'] ?? '') };
        return out;
      }),
    }),
  );
  return { tests: Number(root['@_tests']), failures: Number(root['@_failures']), suites };
}
