/** A subscription filter with named parts, e.g. `sensors/+device/temp` or `plant/+line/#rest`. */
export interface TopicFilter {
  /** The filter as the broker sees it (`sensors/+/temp`). */
  readonly filter: string;
  /** Field names of the named `+` levels, by level index. */
  readonly names: readonly (readonly [level: number, name: string])[];
  /** Field name of a named trailing `#` (the rest of the topic, joined by `/`). */
  readonly restName: string | undefined;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses a filter whose `+` and `#` levels may carry a field name (`+device`, `#rest`). Throws a
 * TypeError naming the bad level: wildcards must fill a whole level, `#` only last.
 */
export function parseTopicFilter(pattern: string): TopicFilter {
  if (typeof pattern !== 'string' || pattern === '') throw new TypeError('topic filter must be a non-empty string like "sensors/+device/temp"');
  const levels = pattern.split('/');
  const names: [number, string][] = [];
  let restName: string | undefined;
  const plain = levels.map((level, i) => {
    const wildcard = level[0];
    if (wildcard === '+' || wildcard === '#') {
      const name = level.slice(1);
      if (name !== '' && !NAME.test(name)) {
        throw new TypeError(`topic filter "${pattern}": level ${i + 1} "${level}" must be ${wildcard} or ${wildcard}name (letters, digits, _)`);
      }
      if (wildcard === '#' && i !== levels.length - 1) throw new TypeError(`topic filter "${pattern}": # may only be the last level`);
      if (name !== '') {
        if (wildcard === '+') names.push([i, name]);
        else restName = name;
      }
      return wildcard;
    }
    if (/[+#]/.test(level)) throw new TypeError(`topic filter "${pattern}": level ${i + 1} "${level}" mixes a wildcard with text; a wildcard fills a whole level`);
    return level;
  });
  return { filter: plain.join('/'), names, restName };
}

/** True when `topic` matches the MQTT filter `filter` (`+` one level, `#` the rest; `$` topics only by name). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

/** The named parts of `topic` under `filter` (which it must match), as fields. */
export function topicFields(filter: TopicFilter, topic: string): Record<string, string> {
  const fields: Record<string, string> = {};
  if (filter.names.length === 0 && filter.restName === undefined) return fields;
  const levels = topic.split('/');
  for (const [level, name] of filter.names) fields[name] = levels[level] ?? '';
  if (filter.restName !== undefined) fields[filter.restName] = levels.slice(filter.filter.split('/').length - 1).join('/');
  return fields;
}
