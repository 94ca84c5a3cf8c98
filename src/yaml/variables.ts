import { RunnelError } from '../common/errors.js';

/** A placeholder: Jinja's `{{ name }}`, the syntax Beam YAML renders from `--jinja_variables`. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * Fills the `{{ RUNNEL_… }}` placeholders of a pipeline file's `text` with `values` (the process
 * environment, where the service gets `/etc/runnel/runnel.env`), so one pipeline serves every board:
 * `server_uri: "{{ RUNNEL_MQTT_URL }}"`. The same file runs on Beam with
 * `--jinja_variables '{"RUNNEL_MQTT_URL": "tcp://…"}'`. Only plain names that start with `RUNNEL_`
 * are filled (no Jinja expressions or filters, and no other environment variables, which may hold
 * credentials); any other placeholder, or one without a value, is a `PIPELINE_INVALID` error naming
 * `file:line:col`. Text without placeholders is returned as it is.
 */
export function fillVariables(text: string, file: string, values: Readonly<Record<string, string | undefined>>): string {
  return text.replace(PLACEHOLDER, (placeholder, name: string, offset: number) => {
    const before = text.slice(0, offset).split('\n');
    const where = `${file}:${before.length}:${before.at(-1)!.length + 1}`;
    if (!name.startsWith('RUNNEL_')) {
      throw new RunnelError('PIPELINE_INVALID', `${where}: ${placeholder}: Runnel fills only {{ RUNNEL_… }} placeholders, from the environment; write the value itself`);
    }
    const value = values[name];
    if (value === undefined) {
      throw new RunnelError(
        'PIPELINE_INVALID',
        `${where}: ${placeholder} has no value: set the environment variable ${name} (on a board, runnel flash writes it to /etc/runnel/runnel.env, which the service reads)`,
      );
    }
    return value;
  });
}
