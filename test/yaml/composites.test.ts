/**
 * Composite transforms (`type: composite` with `input:` tags, nested `transforms` and `output:`)
 * and chains nested in them, as Beam reads them: the same rows as the flat pipeline, and errors
 * that point into the nesting.
 */
import { describe, expect, it } from 'vitest';
import { run } from '../../src/runner/direct-runner.js';
import { loadYamlPipeline } from '../../src/yaml/index.js';
import { loadFailure } from './load-failure.js';

async function rowsOf(text: string): Promise<string[]> {
  const lines: string[] = [];
  const result = await run(loadYamlPipeline(text, 'p.yaml', { log: (line) => lines.push(line) }));
  expect(result.deadLetterCount).toBe(0);
  return lines.sort();
}

const failure = loadFailure;

const ELEMENTS = '[{s: a, v: 1}, {s: a, v: 7}, {s: b, v: 9}, {s: b, v: 12}, {s: c, v: 3}, {s: c, v: 30}]';

/** The two sources both forms read. */
const SOURCES = `    - type: Create
      name: Readings
      config: {elements: ${ELEMENTS}}
    - type: Create
      name: More
      config: {elements: [{s: d, v: 40}]}
`;

const FLAT = `pipeline:
  transforms:
${SOURCES}    - type: Filter
      input: [Readings, More]
      config: {language: javascript, keep: "v > 2"}
    - type: MapToFields
      name: Scale
      input: Filter
      config: {language: javascript, append: true, fields: {w: "v * 10"}}
    - type: Combine
      input: Scale
      config: {group_by: s, combine: {total: {value: w, fn: sum}, n: {value: w, fn: count}}}
    - type: Partition
      input: Combine
      config: {language: javascript, by: "total > 100 ? 'big' : 'small'", outputs: [big, small]}
    - type: LogForTesting
      name: Big
      input: Partition.big
    - type: MapToFields
      name: Small
      input: Partition.small
      config: {language: javascript, append: true, fields: {small: "true"}}
    - type: LogForTesting
      input: Small
`;

/** The same pipeline with its middle in a composite (named inputs, two outputs) holding a chain and a composite. */
const NESTED = `pipeline:
  transforms:
${SOURCES}    - type: composite
      name: Summarise
      input: {readings: Readings, extra: More}
      transforms:
        - type: chain
          name: Clean
          input: [readings, extra]
          transforms:
            - type: Filter
              config: {language: javascript, keep: "v > 2"}
            - type: MapToFields
              config: {language: javascript, append: true, fields: {w: "v * 10"}}
        - type: composite
          name: Split
          input: Clean
          transforms:
            - type: Combine
              input: input
              config: {group_by: s, combine: {total: {value: w, fn: sum}, n: {value: w, fn: count}}}
            - type: Partition
              input: Combine
              config: {language: javascript, by: "total > 100 ? 'big' : 'small'", outputs: [big, small]}
          output: {big: Partition.big, small: Partition.small}
      output: {big: Split.big, small: Split.small}
    - type: LogForTesting
      name: Big
      input: Summarise.big
    - type: MapToFields
      name: Small
      input: Summarise.small
      config: {language: javascript, append: true, fields: {small: "true"}}
    - type: LogForTesting
      input: Small
`;

const withComposite = (inner: string, tail = '    - type: LogForTesting\n      input: C\n'): string =>
  `pipeline:\n  transforms:\n    - type: Create\n      config: {elements: [{a: 1}]}\n    - type: composite\n      name: C\n      input: Create\n${inner}${tail}`;

describe('composite transforms', () => {
  it('a composite pipeline, nested three deep with a chain inside, gives the rows of the flat one', async () => {
    const flat = await rowsOf(FLAT);
    expect(flat).toEqual(
      [
        { s: 'a', total: 70, n: 1, small: true },
        { s: 'b', total: 210, n: 2 },
        { s: 'c', total: 330, n: 2 },
        { s: 'd', total: 400, n: 1 },
      ]
        .map((r) => JSON.stringify(r))
        .sort(),
    );
    expect(await rowsOf(NESTED)).toEqual(flat);
  });

  it('a composite with one output is read by its name, and its windowing: windows its input', async () => {
    const text = withComposite(
      '      windowing: {type: fixed, size: 10s}\n      transforms:\n        - type: ExtractWindowingInfo\n          input: input\n          config: {fields: [window_start, window_end]}\n      output: ExtractWindowingInfo\n',
    );
    const [row] = (await rowsOf(text)).map((line) => JSON.parse(line) as { window_start: number; window_end: number });
    expect(row!.window_end - row!.window_start).toBe(10); // a 10 s window (unwindowed, both would be null)
  });

  it('an error output read outside its composite is exported with output:, and counts as read', async () => {
    const inner =
      '      transforms:\n        - type: MapToFields\n          name: M\n          input: input\n          config:\n            language: javascript\n            fields: {x: "a.b.c"}\n            error_handling: {output: errors}\n      output: {good: M, errors: M.errors}\n';
    expect(await rowsOf(withComposite(inner, '    - type: LogForTesting\n      input: C.errors\n    - type: LogForTesting\n      name: G\n      input: C.good\n'))).toHaveLength(1);
    expect(failure(withComposite(inner.replace('      output: {good: M, errors: M.errors}\n', '      output: M\n')))).toMatch(
      /^p\.yaml:15:30: MapToFields "M" \(pipeline\.transforms\[1\]\.transforms\[0\]\.config\.error_handling\.output\): no transform reads the error output "errors"/,
    );
  });

  it('a chain whose last transform has an error output gives it as its own', async () => {
    const chain =
      '      transforms:\n        - type: MapToFields\n          config:\n            language: javascript\n            fields: {x: "a.b.c"}\n            error_handling: {output: errors}\n';
    const read = '    - type: LogForTesting\n      input: C.errors\n    - type: LogForTesting\n      name: G\n      input: C\n';
    expect(await rowsOf(withComposite(chain, read).replace('type: composite', 'type: chain'))).toHaveLength(1);
    expect(failure(withComposite(chain, '    - type: LogForTesting\n      input: C\n').replace('type: composite', 'type: chain'))).toMatch(
      /^p\.yaml:13:30: MapToFields \(pipeline\.transforms\[1\]\.transforms\[0\]\.config\.error_handling\.output\): no transform reads the error output "errors" \(Beam refuses such a pipeline\): read it as "C\.errors"/,
    );
  });

  it('errors point at the nested path: config, an unknown input, a transform of the enclosing scope, an output', () => {
    expect(failure(withComposite('      transforms:\n        - type: Filter\n          input: input\n          config: {kep: a}\n      output: Filter\n'))).toBe(
      'p.yaml:11:20: Filter (pipeline.transforms[1].transforms[0].config.kep): no option "kep": it takes keep, language, error_handling',
    );
    expect(failure(withComposite('      transforms:\n        - type: LogForTesting\n          input: Nope\n      output: LogForTesting\n'))).toBe(
      'p.yaml:10:11: LogForTesting (pipeline.transforms[1].transforms[0].input): reads "Nope", but no transform has that name',
    );
    // A composite sees its inputs, not the transforms around it (as in Beam).
    expect(failure(withComposite('      transforms:\n        - type: LogForTesting\n          input: Create\n      output: LogForTesting\n'))).toMatch(
      /^p\.yaml:10:11: LogForTesting \(pipeline\.transforms\[1\]\.transforms\[0\]\.input\): reads "Create", but no transform has that name/,
    );
    expect(failure(withComposite('      transforms:\n        - type: LogForTesting\n          input: input\n      output: Missing\n'))).toBe(
      'p.yaml:11:7: composite "C" (pipeline.transforms[1].output): reads "Missing", but no transform has that name',
    );
  });

  it('refuses reading a composite without output, one of several outputs without its name, and output: on a chain', () => {
    expect(failure(withComposite('      transforms:\n        - type: LogForTesting\n          input: input\n'))).toMatch(
      /LogForTesting \(pipeline\.transforms\[2\]\.input\): reads from composite "C", which has no output$/,
    );
    const two =
      '      transforms:\n        - type: LogForTesting\n          input: input\n        - type: Filter\n          input: input\n          config: {keep: a}\n      output: {all: LogForTesting, kept: Filter}\n';
    expect(failure(withComposite(two))).toMatch(/reads "C", but composite "C" has several outputs: read one of "C\.all", "C\.kept"$/);
    expect(failure(withComposite('      transforms:\n        - type: LogForTesting\n      output: LogForTesting\n').replace('type: composite', 'type: chain'))).toMatch(
      /^p\.yaml:10:7: pipeline\.transforms\[1\]\.output: a chain's output is its last transform's/,
    );
    expect(failure(withComposite('      transforms: []\n'))).toMatch(/^p\.yaml:5:7: pipeline\.transforms\[1\]: has no transforms/);
  });
});
