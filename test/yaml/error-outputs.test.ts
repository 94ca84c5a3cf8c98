/**
 * Beam YAML's `error_handling: { output }` and `Partition`: rows that fail go to a named output
 * read as `<Transform>.<output>`, shaped as Beam's `{ element, msg, stack }`; a pipeline that
 * leaves an error output unread is refused, as Beam refuses it; `Partition` routes by name, with
 * `unknown_output` for the rest.
 */
import { describe, expect, it } from 'vitest';
import { run } from '../../src/runner/direct-runner.js';
import type { PipelineResult } from '../../src/runner/types.js';
import { loadYamlPipeline } from '../../src/yaml/index.js';
import { loadFailure } from './load-failure.js';

type Row = Record<string, unknown>;

/** Runs the pipeline; each LogForTesting is named, and its rows are returned under that name. */
async function runYaml(text: string): Promise<{ logs: Row[]; result: PipelineResult }> {
  const logs: Row[] = [];
  const pipeline = loadYamlPipeline(text, 'p.yaml', { log: (line) => logs.push(JSON.parse(line) as Row) });
  return { logs, result: await run(pipeline) };
}

const failure = loadFailure;

const pipeline = (...transforms: string[]): string => `pipeline:\n  transforms:\n${transforms.join('')}`;
const create = (elements: string): string => `    - type: Create\n      config:\n        elements: ${elements}\n`;
/** A LogForTesting that tags each row it prints with `at` (a MapToFields before it), so the test sees which input a row came through. */
const logAs = (at: string, input: string): string =>
  `    - type: MapToFields\n      name: tag ${at}\n      input: ${input}\n      config:\n        append: true\n        fields: {at: "'${at}'"}\n` +
  `    - type: LogForTesting\n      input: tag ${at}\n`;
const sorted = (rows: Row[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

describe('error_handling', () => {
  it('MapToFields: the rows an expression throws on go to <Transform>.<output> as { element, msg, stack }; the good ones to <Transform> and <Transform>.good; no dead letters', async () => {
    const { logs, result } = await runYaml(
      pipeline(
        create('[{a: 1, b: 2}, {a: 3, b: 0}, {a: 5, b: 5}]'),
        '    - type: MapToFields\n      name: Ratio\n      input: Create\n      config:\n        language: javascript\n        fields:\n          r: "b === 0 ? (() => { throw new Error(\'b is zero\'); })() : a / b"\n        error_handling: {output: errors}\n',
        logAs('main', 'Ratio'),
        logAs('good', 'Ratio.good'),
        `    - type: MapToFields\n      name: why\n      input: Ratio.errors\n      config:\n        language: javascript\n        fields: {a: element.a, msg: msg, has_stack: "stack.includes('b is zero')"}\n`,
        logAs('errors', 'why'),
      ),
    );
    expect(sorted(logs)).toEqual(
      sorted([
        { r: 0.5, at: 'main' },
        { r: 1, at: 'main' },
        { r: 0.5, at: 'good' },
        { r: 1, at: 'good' },
        { a: 3, msg: 'b is zero', has_stack: true, at: 'errors' },
      ]),
    );
    expect(result.deadLetterCount).toBe(0);
  });

  it('AssignTimestamps with error_handling stamps the good rows with their event time (both <Transform> and <Transform>.good)', async () => {
    const { logs } = await runYaml(
      pipeline(
        create('[{t: 10}, {t: "soon"}, {t: 42}]'),
        '    - type: AssignTimestamps\n      input: Create\n      config:\n        timestamp: t\n        error_handling: {output: bad}\n',
        '    - type: ExtractWindowingInfo\n      name: main\n      input: AssignTimestamps\n      config: {fields: {when: timestamp}}\n',
        '    - type: ExtractWindowingInfo\n      name: good\n      input: AssignTimestamps.good\n      config: {fields: {when: timestamp}}\n',
        '    - type: LogForTesting\n      input: [main, good]\n',
        '    - type: LogForTesting\n      name: dropped\n      input: AssignTimestamps.bad\n',
      ),
    );
    expect(sorted(logs.filter((r) => 'when' in r))).toEqual(sorted([10, 42, 10, 42].map((t) => ({ t, when: t }))));
  });

  it('Filter, Explode and AssignTimestamps route their failures too, and a row that fails leaves nothing in the main output', async () => {
    const { logs, result } = await runYaml(
      pipeline(
        create('[{n: 1, xs: [1, 2], t: 10}, {n: "x", xs: 7, t: "soon"}]'),
        "    - type: Filter\n      input: Create\n      config:\n        language: javascript\n        keep: { callable: \"(row) => { if (typeof row.n !== 'number') throw new Error('n is not a number'); return true; }\" }\n        error_handling: {output: bad}\n",
        '    - type: Explode\n      input: Create\n      config:\n        fields: xs\n        error_handling: {output: bad}\n',
        '    - type: AssignTimestamps\n      input: Create\n      config:\n        timestamp: t\n        error_handling: {output: bad}\n',
        '    - type: MapToFields\n      name: messages\n      input: [Filter.bad, Explode.bad, AssignTimestamps.bad]\n      config: {fields: {msg: msg}}\n',
        logAs('bad', 'messages'),
        logAs('filtered', 'Filter'),
        logAs('exploded', 'Explode'),
        logAs('timed', 'AssignTimestamps'),
      ),
    );
    const at = (name: string) => logs.filter((r) => r.at === name);
    expect(at('filtered')).toEqual([{ n: 1, xs: [1, 2], t: 10, at: 'filtered' }]);
    expect(sorted(at('exploded'))).toEqual(sorted([1, 2].map((xs) => ({ n: 1, xs, t: 10, at: 'exploded' }))));
    expect(at('timed')).toEqual([{ n: 1, xs: [1, 2], t: 10, at: 'timed' }]);
    expect(sorted(at('bad'))).toEqual(
      sorted([
        { msg: 'n is not a number', at: 'bad' },
        { msg: 'field "xs" is not a list (got 7)', at: 'bad' },
        { msg: 'timestamp "soon" is neither seconds since the epoch nor an ISO 8601 date-time', at: 'bad' },
      ]),
    );
    expect(result.deadLetterCount).toBe(0);
  });

  it('a chain reads its error outputs in extra_transforms', async () => {
    const text =
      'pipeline:\n  type: chain\n  transforms:\n' +
      create('[{a: 1}, {b: 2}]') +
      '    - type: MapToFields\n      name: Pick\n      config:\n        fields: {x: a}\n        error_handling: {output: errors}\n' +
      '    - type: LogForTesting\n' +
      '  extra_transforms:\n    - type: MapToFields\n      name: Bad\n      input: Pick.errors\n      config:\n        language: javascript\n        fields: {bad: element.b}\n' +
      '    - type: LogForTesting\n      name: Errors\n      input: Bad\n';
    const { logs, result } = await runYaml(text);
    expect(sorted(logs)).toEqual(sorted([{ x: 1 }, { bad: 2 }]));
    expect(result.deadLetterCount).toBe(0);
  });

  it('an error output no transform reads is refused, as Beam refuses it, naming what to read', () => {
    expect(failure(pipeline(create('[{a: 1}]'), '    - type: Filter\n      input: Create\n      config:\n        keep: a\n        error_handling: {output: bad}\n'))).toBe(
      'p.yaml:10:26: Filter (pipeline.transforms[1].config.error_handling.output): no transform reads the error output "bad" (Beam refuses such a pipeline): read it as "Filter.bad", e.g. with LogForTesting or WriteToJson, or leave out error_handling to send bad rows to Runnel\'s dead letters',
    );
  });

  it('dotted references: an output the transform lacks, a dot on a single-output transform, and a Partition read without its output are refused', () => {
    const mapped = '    - type: MapToFields\n      name: M\n      input: Create\n      config:\n        fields: {x: a}\n        error_handling: {output: errors}\n';
    expect(
      failure(pipeline(create('[{a: 1}]'), mapped, '    - type: LogForTesting\n      input: M.oops\n', '    - type: LogForTesting\n      name: e\n      input: M.errors\n')),
    ).toMatch(/^p\.yaml:13:7: LogForTesting \(pipeline\.transforms\[2\]\.input\): reads "M\.oops", but MapToFields "M" has no output "oops" \(it has "M\.good", "M\.errors"\)$/);
    expect(failure(pipeline(create('[{a: 1}]'), '    - type: LogForTesting\n      input: Create.good\n'))).toMatch(
      /reads "Create\.good", but Create has one output: read it as "Create"$/,
    );
    const split = '    - type: Partition\n      input: Create\n      config:\n        by: a\n        outputs: [x, y]\n';
    expect(failure(pipeline(create('[{a: x}]'), split, '    - type: LogForTesting\n      input: Partition\n'))).toMatch(
      /reads "Partition", but Partition has several outputs: read one of "Partition\.x", "Partition\.y"$/,
    );
    expect(failure(pipeline(create('[{a: 1}]'), '    - type: LogForTesting\n      input: Nope.x\n'))).toMatch(/reads "Nope\.x", but no transform has that name/);
  });

  it('error_handling takes only output, a name without a dot other than good', () => {
    expect(failure(pipeline(create('[{a: 1}]'), '    - type: Filter\n      input: Create\n      config:\n        keep: a\n        error_handling: {output: good}\n'))).toMatch(
      /config\.error_handling\.output\): an output cannot be named "good" \(the main output\) or contain "\.", got "good"$/,
    );
    expect(
      failure(pipeline(create('[{a: 1}]'), '    - type: Filter\n      input: Create\n      config:\n        keep: a\n        error_handling: {output: bad, threshold: 0.1}\n')),
    ).toMatch(/config\.error_handling\.threshold\): no option "threshold": it takes output$/);
  });
});

describe('Partition', () => {
  const split = (config: string, ...readers: string[]): string =>
    pipeline(
      create('[{k: a, n: 1}, {k: b, n: 2}, {k: c, n: 3}, {k: null, n: 4}, {k: 5, n: 5}]'),
      `    - type: Partition\n      name: P\n      input: Create\n      config:\n${config}`,
      ...readers,
    );

  it('routes each row to the output by names; unknown_output takes names outside the list and null; a non-string is the row’s failure', async () => {
    const { logs, result } = await runYaml(
      split(
        '        by: k\n        outputs: [a, b]\n        unknown_output: other\n        error_handling: {output: errors}\n',
        logAs('a', 'P.a'),
        logAs('b', 'P.b'),
        logAs('other', 'P.other'),
        logAs('errors', 'P.errors'),
      ),
    );
    const n = (at: string) => logs.filter((r) => r.at === at).map((r) => (r.n ?? (r.element as Row).n) as number);
    expect(n('a')).toEqual([1]);
    expect(n('b')).toEqual([2]);
    expect(n('other').sort()).toEqual([3, 4]);
    expect(n('errors')).toEqual([5]);
    expect(logs.find((r) => r.at === 'errors')?.msg).toBe('"by" gave 5 for this row; it must give an output name, a string (outputs: a, b)');
    expect(result.deadLetterCount).toBe(0);
  });

  it('without unknown_output a name outside the list fails the row: a dead letter without error_handling', async () => {
    const { logs, result } = await runYaml(
      split('        language: javascript\n        by: "k === null ? \'a\' : String(k)"\n        outputs: [a, b]\n', logAs('a', 'P.a'), logAs('b', 'P.b')),
    );
    expect(sorted(logs.map((r) => ({ n: r.n, at: r.at })))).toEqual(
      sorted([
        { n: 1, at: 'a' },
        { n: 4, at: 'a' },
        { n: 2, at: 'b' },
      ]),
    );
    expect(result.deadLetters.map((d) => d.reason).sort()).toEqual([
      '"by" gave "5", which is not one of the outputs (a, b); list it, or set unknown_output',
      '"by" gave "c", which is not one of the outputs (a, b); list it, or set unknown_output',
    ]);
  });

  it('refuses an unknown_output or error output among the outputs, and "good" as an output name', () => {
    expect(failure(split('        by: k\n        outputs: [a, b]\n        unknown_output: a\n'))).toMatch(
      /config\.unknown_output\): "a" is one of the outputs; give it a name of its own$/,
    );
    expect(failure(split('        by: k\n        outputs: [a, b]\n        error_handling: {output: b}\n'))).toMatch(/config\.error_handling\): "b" is one of the outputs/);
    expect(failure(split('        by: k\n        outputs: [good, b]\n'))).toMatch(/an output cannot be named "good"/);
  });
});
