/**
 * A small metrics registry rendered in the Prometheus text exposition format (version 0.0.4).
 * Written here rather than taken from prom-client: that library added about 12 MiB of RSS on
 * import (its OpenTelemetry and t-digest dependencies load eagerly), much on a 512 MiB board, for
 * what a run needs — counters, gauges, one histogram, label escaping — in about 150 lines.
 */

/** Label names and values of one series. */
export type Labels = Readonly<Record<string, string>>;

type Kind = 'counter' | 'gauge' | 'histogram';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A value as the text format writes it: `+Inf`, `-Inf`, `NaN` or a JavaScript number. */
function formatValue(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return Number.isNaN(value) ? 'NaN' : String(value);
}

/** A label value escaped as the format asks: backslash, double quote and line feed. */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatLabels(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  return pairs.length === 0 ? '' : `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

/** One metric family: its name, help and type, and how to write its samples. */
abstract class Family {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly kind: Kind,
    readonly labelNames: readonly string[],
  ) {
    if (!METRIC_NAME.test(name)) throw new RangeError(`metric name "${name}" is not a Prometheus name: use letters, digits, _ and :, not starting with a digit`);
    if (kind === 'counter' && !name.endsWith('_total')) throw new RangeError(`counter "${name}" must end in _total (Prometheus naming)`);
    for (const l of labelNames) if (!LABEL_NAME.test(l) || l === 'le') throw new RangeError(`metric "${name}": "${l}" cannot be a label name`);
  }

  /** The key of a series: its label values in the family's label order; checks they match. */
  protected key(labels: Labels): string {
    const given = Object.keys(labels);
    if (given.length !== this.labelNames.length || this.labelNames.some((l) => typeof labels[l] !== 'string')) {
      throw new RangeError(`metric "${this.name}" takes the labels {${this.labelNames.join(', ')}}, got {${given.join(', ')}}`);
    }
    return JSON.stringify(this.labelNames.map((l) => labels[l]));
  }

  render(): string {
    const help = this.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
    return `# HELP ${this.name} ${help}\n# TYPE ${this.name} ${this.kind}\n${this.samples().join('')}`;
  }

  protected abstract samples(): string[];
}

/** A counter or gauge: one number per label set. */
export class Scalar extends Family {
  readonly #values = new Map<string, { labels: Labels; value: number }>();

  /** Adds `by` (default 1); a counter refuses to go down. */
  inc(labels: Labels = {}, by = 1): void {
    if (this.kind === 'counter' && !(by >= 0)) throw new RangeError(`counter "${this.name}" can only go up, got ${by}`);
    const key = this.key(labels);
    const entry = this.#values.get(key);
    if (entry) entry.value += by;
    else this.#values.set(key, { labels, value: by });
  }

  /** Sets the value (for a counter: a total counted elsewhere, which only grows). */
  set(labels: Labels, value: number): void {
    const key = this.key(labels);
    const entry = this.#values.get(key);
    if (entry) entry.value = value;
    else this.#values.set(key, { labels, value });
  }

  protected samples(): string[] {
    return [...this.#values.values()].map(({ labels, value }) => `${this.name}${formatLabels(labels)} ${formatValue(value)}\n`);
  }
}

/** A histogram without labels: cumulative `_bucket{le}` counts, `_sum` and `_count`. */
export class Histogram extends Family {
  readonly #bounds: readonly number[];
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(name: string, help: string, bounds: readonly number[]) {
    super(name, help, 'histogram', []);
    if (bounds.length === 0 || bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= bounds[i - 1]!))) {
      throw new RangeError(`histogram "${name}": bucket bounds must be finite and increasing, got [${bounds.join(', ')}]`);
    }
    this.#bounds = bounds;
    this.#counts = bounds.map(() => 0);
  }

  observe(value: number): void {
    for (let i = 0; i < this.#bounds.length; i++) if (value <= this.#bounds[i]!) this.#counts[i]!++;
    this.#sum += value;
    this.#count++;
  }

  protected samples(): string[] {
    const lines = this.#bounds.map((b, i) => `${this.name}_bucket${formatLabels({}, ['le', formatValue(b)])} ${this.#counts[i]}\n`);
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.#count}\n`, `${this.name}_sum ${formatValue(this.#sum)}\n`, `${this.name}_count ${this.#count}\n`);
    return lines;
  }
}

/** The metric families of a process, rendered together for `/metrics`. */
export class MetricsRegistry {
  readonly #families = new Map<string, Family>();
  readonly #beforeRender: (() => void)[] = [];

  counter(name: string, help: string, labelNames: readonly string[] = []): Scalar {
    return this.#add(new Scalar(name, help, 'counter', labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Scalar {
    return this.#add(new Scalar(name, help, 'gauge', labelNames));
  }

  /** `bounds`: the buckets' upper bounds, increasing (`+Inf` is added). */
  histogram(name: string, help: string, bounds: readonly number[]): Histogram {
    return this.#add(new Histogram(name, help, bounds));
  }

  /** Calls `refresh` before each render, to set values read at scrape time (memory, table counts). */
  onScrape(refresh: () => void): void {
    this.#beforeRender.push(refresh);
  }

  /** Every family in the text format (`Content-Type: text/plain; version=0.0.4`). */
  render(): string {
    for (const refresh of this.#beforeRender) refresh();
    return [...this.#families.values()].map((f) => f.render()).join('');
  }

  #add<F extends Family>(family: F): F {
    if (this.#families.has(family.name)) throw new RangeError(`metric "${family.name}" is registered twice`);
    this.#families.set(family.name, family);
    return family;
  }
}
