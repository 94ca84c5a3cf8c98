/**
 * A pipeline file that Runnel cannot run fails before anything runs, with the file, line and
 * column of the key at fault, the transform, and what to write instead.
 */
import { describe, expect, it } from 'vitest';
import { loadYamlPipeline } from '../../src/yaml/index.js';
import { loadFailure } from './load-failure.js';

const load = (text: string): unknown => loadYamlPipeline(text, 'p.yaml', { log: () => {} });
const failure = loadFailure;

const chain = (...transforms: string[]): string => `pipeline:\n  type: chain\n  transforms:\n${transforms.join('')}`;
const CREATE = `    - type: Create\n      config:\n        elements: [{a: 1}]\n`;

describe('Beam YAML errors', () => {
  it('a YAML syntax error or a duplicate key names line and column', () => {
    expect(failure('pipeline:\n  transforms:\n    - {type: Create\n')).toMatch(/^p\.yaml:4:1: not valid YAML: /);
    expect(failure('pipeline:\n  transforms: []\n  transforms: []\n')).toMatch(/^p\.yaml:3:3: not valid YAML: Map keys must be unique/);
  });

  it('an unknown transform type is refused with the list of supported ones', () => {
    const message = failure(chain(CREATE, '    - type: Frobnicate\n'));
    expect(message).toMatch(/^p\.yaml:7:7: pipeline\.transforms\[1\]\.type: unknown transform type "Frobnicate"; Runnel runs Create, MapToFields, Filter, /);
    expect(message).toContain('LogForTesting');
  });

  it('an unknown option, a missing one and a bad duration name the transform and the key', () => {
    expect(failure(chain(CREATE, '    - type: Filter\n      name: big\n      config:\n        kep: a\n'))).toBe(
      'p.yaml:10:9: Filter "big" (pipeline.transforms[1].config.kep): no option "kep": it takes keep, language, error_handling',
    );
    expect(failure(chain(CREATE, '    - type: Filter\n      config:\n        language: javascript\n'))).toBe(
      'p.yaml:8:7: Filter (pipeline.transforms[1].config): "keep" is required',
    );
    expect(
      failure(chain(CREATE, '    - type: Combine\n      config:\n        group_by: a\n        combine: {n: count}\n      windowing:\n        type: fixed\n        size: ten\n')),
    ).toBe('p.yaml:13:9: Combine windowing (pipeline.transforms[1].windowing.size): expected a duration like "10s", "500ms", "1m", "2h" or a number of seconds, got "ten"');
  });

  it('python and java code is refused with what to write instead; plain fields and literals are accepted', () => {
    const python = failure(chain(CREATE, '    - type: Filter\n      config:\n        language: python\n        keep: a > 1\n'));
    expect(python).toMatch(
      /^p\.yaml:10:9: Filter \(pipeline\.transforms\[1\]\.config\.keep\): "a > 1" is python code, and Runnel runs no Python\. Write it in JavaScript under "language: javascript"/,
    );
    const callable = failure(
      chain(CREATE, '    - type: MapToFields\n      config:\n        language: python\n        fields:\n          b:\n            callable: "lambda row: row.a"\n'),
    );
    expect(callable).toMatch(/^p\.yaml:11:11: MapToFields \(pipeline\.transforms\[1\]\.config\.fields\.b\): this callable is python code/);
    expect(failure(chain(CREATE, '    - type: MapToFields\n      config:\n        language: java\n        fields: {b: "a + 1"}\n'))).toMatch(
      /is java code, and Runnel runs no java\. Write it in JavaScript/,
    );
    expect(failure(chain(CREATE, '    - type: MapToFields\n      config:\n        fields: {b: "a + 1"}\n'))).toMatch(
      /"a \+ 1" is neither a field name nor a literal\. Write it in JavaScript/,
    );
    expect(() =>
      load(chain(CREATE, `    - type: MapToFields\n      config:\n        language: python\n        fields: {b: a, c: "'x'", d: '0', e: 2.5, f: True}\n`)),
    ).not.toThrow();
  });

  it('JavaScript that does not parse is refused at load', () => {
    expect(failure(chain(CREATE, '    - type: Filter\n      config:\n        language: javascript\n        keep: "a >"\n'))).toMatch(
      /^p\.yaml:10:9: Filter \(pipeline\.transforms\[1\]\.config\.keep\): not valid JavaScript: /,
    );
    expect(failure(chain(CREATE, '    - type: Filter\n      config:\n        language: javascript\n        keep: {callable: "42"}\n'))).toMatch(
      /callable\): a callable must be a JavaScript function/,
    );
  });

  it('wiring: an unknown input, a cycle, input inside a chain, a source given input', () => {
    const explicit = (...t: string[]): string => `pipeline:\n  transforms:\n${t.join('')}`;
    expect(failure(explicit('    - type: Filter\n      input: Nope\n      config: {keep: a}\n'))).toBe(
      'p.yaml:4:7: Filter (pipeline.transforms[0].input): reads "Nope", but no transform has that name',
    );
    expect(
      failure(
        explicit('    - type: Filter\n      name: x\n      input: y\n      config: {keep: a}\n', '    - type: Filter\n      name: y\n      input: x\n      config: {keep: a}\n'),
      ),
    ).toMatch(/is part of a cycle of inputs/);
    expect(failure(chain(CREATE, '    - type: Filter\n      input: Create\n      config: {keep: a}\n'))).toMatch(
      /^p\.yaml:8:7: Filter \(pipeline\.transforms\[1\]\.input\): a chain wires each transform/,
    );
    expect(failure(explicit('    - type: Create\n      name: c\n      config: {elements: [1]}\n', '    - type: Create\n      input: c\n      config: {elements: [1]}\n'))).toMatch(
      /^p\.yaml:7:7: Create \(pipeline\.transforms\[1\]\.input\): reads no input/,
    );
    expect(failure(explicit('    - type: Filter\n      config: {keep: a}\n'))).toMatch(/^p\.yaml:3:7: Filter \(pipeline\.transforms\[0\]\): needs "input:"/);
    expect(failure(explicit('    - type: Create\n      name: a\n      config: {elements: [1]}\n', '    - type: Create\n      name: a\n      config: {elements: [1]}\n'))).toMatch(
      /^p\.yaml:7:7: pipeline\.transforms\[1\]\.name: two transforms are named "a" \(the other is at p\.yaml:3:7\)/,
    );
  });

  it('error_handling where Runnel has no error output, and unknown top-level keys, are refused, saying why', () => {
    expect(failure(chain(CREATE, '    - type: Combine\n      config:\n        group_by: a\n        error_handling: {output: bad}\n'))).toBe(
      "p.yaml:10:9: Combine (pipeline.transforms[1].config.error_handling): Combine takes no error_handling (MapToFields, Filter, Explode, Partition and AssignTimestamps do); leave it out: its bad rows go to Runnel's dead letters",
    );
    expect(failure(`${chain(CREATE)}providers: []\n`)).toMatch(/^p\.yaml:7:1: providers: unknown top-level key; Runnel reads pipeline and options \(providers are not supported\)/);
  });
});
