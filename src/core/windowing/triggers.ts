/** Where an `afterProcessingTime` deadline is rounded up to: the next `offset + k × period`. */
export interface Alignment {
  readonly period: number;
  readonly offset: number;
}

/** When an aggregation emits a window's panes. Build with the factories below; Beam's triggers. */
export type Trigger =
  | { readonly kind: 'default' }
  | { readonly kind: 'afterWatermark'; readonly early?: Trigger; readonly late?: Trigger }
  | { readonly kind: 'afterCount'; readonly count: number }
  | { readonly kind: 'afterProcessingTime'; readonly delay: number; readonly alignment?: Alignment }
  | { readonly kind: 'afterSynchronizedProcessingTime' }
  | { readonly kind: 'repeatedly'; readonly trigger: Trigger }
  | { readonly kind: 'afterAny'; readonly triggers: readonly Trigger[] }
  | { readonly kind: 'afterAll'; readonly triggers: readonly Trigger[] }
  | { readonly kind: 'afterEach'; readonly triggers: readonly Trigger[] }
  | { readonly kind: 'orFinally'; readonly main: Trigger; readonly until: Trigger }
  | { readonly kind: 'never' };

/**
 * Fires when the watermark passes the end of the window (the on-time pane). `early` fires
 * repeatedly before that (speculative panes); `late` fires repeatedly for late data within
 * the allowed lateness. Without `late` the trigger finishes with the on-time pane and later
 * data is rejected as `late`.
 */
export function afterWatermark(options: { early?: Trigger; late?: Trigger } = {}): Trigger {
  return { kind: 'afterWatermark', ...(options.early ? { early: options.early } : {}), ...(options.late ? { late: options.late } : {}) };
}

/** Fires once `count` elements have arrived in the pane (checked after each bundle, as Beam). */
export function afterCount(count: number): Trigger {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`afterCount(count): count must be an integer >= 1, got ${count}`);
  return { kind: 'afterCount', count };
}

/** Options of `afterProcessingTime`. */
export interface ProcessingTimeOptions {
  /** Round the deadline up to the next `offset + k × period` ms (Beam's `alignedTo`). */
  alignTo?: { period: number; offset?: number };
}

/**
 * Fires once `delay` ms of processing time after the first element of the pane arrived
 * (Beam's `AfterProcessingTime.pastFirstElementInPane().plusDelayOf(delay)`), the deadline
 * rounded up to `alignTo` when given.
 */
export function afterProcessingTime(delay: number, options: ProcessingTimeOptions = {}): Trigger {
  if (!Number.isFinite(delay) || delay < 0) throw new RangeError(`afterProcessingTime(delay): delay must be >= 0 ms, got ${delay}`);
  const align = options.alignTo;
  if (align === undefined) return { kind: 'afterProcessingTime', delay };
  if (!Number.isFinite(align.period) || align.period <= 0) throw new RangeError(`afterProcessingTime: alignTo.period must be > 0 ms, got ${align.period}`);
  const offset = align.offset ?? 0;
  if (!Number.isFinite(offset)) throw new RangeError(`afterProcessingTime: alignTo.offset must be a number of ms, got ${offset}`);
  return { kind: 'afterProcessingTime', delay, alignment: { period: align.period, offset } };
}

/**
 * Beam's continuation of a processing-time trigger: fires once the processing time of every
 * upstream stage has passed the first element of the pane. In one process that is as soon as
 * the pane has an element and the clock is read again (the next sweep of the runner).
 */
export function afterSynchronizedProcessingTime(): Trigger {
  return { kind: 'afterSynchronizedProcessingTime' };
}

/** Fires every time `trigger` would fire, forever; what is pending when the window expires is emitted last. */
export function repeatedly(trigger: Trigger): Trigger {
  return { kind: 'repeatedly', trigger };
}

/** Fires once, as soon as any of `triggers` would fire (Beam's `AfterFirst` / Python's `AfterAny`). */
export function afterAny(...triggers: Trigger[]): Trigger {
  atLeastOne('afterAny', triggers);
  return { kind: 'afterAny', triggers };
}

/** Fires once, when every one of `triggers` would have fired (Beam's `AfterAll`). */
export function afterAll(...triggers: Trigger[]): Trigger {
  atLeastOne('afterAll', triggers);
  return { kind: 'afterAll', triggers };
}

/** Fires as the first of `triggers` would until it finishes, then as the second, and so on (Beam's `AfterEach.inOrder`). */
export function afterEach(...triggers: Trigger[]): Trigger {
  atLeastOne('afterEach', triggers);
  return { kind: 'afterEach', triggers };
}

/** Fires as `main` does, and finishes for good (with a last pane) as soon as `until` would fire. */
export function orFinally(main: Trigger, until: Trigger): Trigger {
  return { kind: 'orFinally', main, until };
}

/** Never fires: the window emits one pane, when it expires (end of window + allowed lateness), if it has data. */
export function never(): Trigger {
  return { kind: 'never' };
}

/**
 * Beam's default: an on-time pane when the watermark passes the end of the window, then a late
 * pane for every bundle of late data within the allowed lateness.
 */
export function defaultTrigger(): Trigger {
  return { kind: 'default' };
}

function atLeastOne(name: string, triggers: readonly Trigger[]): void {
  if (triggers.length === 0) throw new RangeError(`${name}(...triggers): give at least one trigger`);
}

/**
 * The trigger an aggregation downstream of this one uses (Beam's `getContinuationTrigger`):
 * counts become `afterCount(1)` (the upstream already waited for its count), processing-time
 * delays become `afterSynchronizedProcessingTime()` (the upstream already waited), and
 * composites continue with their parts' continuations.
 */
export function continuationTrigger(trigger: Trigger): Trigger {
  switch (trigger.kind) {
    case 'default':
    case 'never':
    case 'afterSynchronizedProcessingTime':
      return trigger;
    case 'afterCount':
      return afterCount(1);
    case 'afterProcessingTime':
      return afterSynchronizedProcessingTime();
    case 'afterWatermark':
      return afterWatermark({
        ...(trigger.early ? { early: continuationTrigger(trigger.early) } : {}),
        ...(trigger.late ? { late: continuationTrigger(trigger.late) } : {}),
      });
    case 'repeatedly':
      return repeatedly(continuationTrigger(trigger.trigger));
    case 'afterAny':
      return afterAny(...trigger.triggers.map(continuationTrigger));
    case 'afterAll':
      return afterAll(...trigger.triggers.map(continuationTrigger));
    case 'afterEach':
      // As Beam: after an upstream AfterEach, fire whenever any step's continuation would.
      return repeatedly(afterAny(...trigger.triggers.map(continuationTrigger)));
    case 'orFinally':
      return orFinally(continuationTrigger(trigger.main), continuationTrigger(trigger.until));
  }
}

/**
 * True when the trigger may fire before the watermark reaches the end of the window. When it
 * cannot, elements of the global window take the aggregation's batch path until the end.
 */
export function canFireEarly(trigger: Trigger): boolean {
  switch (trigger.kind) {
    case 'default':
    case 'never':
      return false;
    case 'afterWatermark':
      return trigger.early !== undefined;
    case 'repeatedly':
      return canFireEarly(trigger.trigger);
    case 'orFinally':
      return canFireEarly(trigger.main) || canFireEarly(trigger.until);
    case 'afterAny':
    case 'afterAll':
    case 'afterEach':
      return trigger.triggers.some(canFireEarly);
    default:
      return true;
  }
}

/** True when the trigger uses processing time (so the aggregation checks it when the clock moves). */
export function usesProcessingTime(trigger: Trigger): boolean {
  switch (trigger.kind) {
    case 'afterProcessingTime':
    case 'afterSynchronizedProcessingTime':
      return true;
    case 'afterWatermark':
      return [trigger.early, trigger.late].some((t) => t !== undefined && usesProcessingTime(t));
    case 'repeatedly':
      return usesProcessingTime(trigger.trigger);
    case 'orFinally':
      return usesProcessingTime(trigger.main) || usesProcessingTime(trigger.until);
    case 'afterAny':
    case 'afterAll':
    case 'afterEach':
      return trigger.triggers.some(usesProcessingTime);
    default:
      return false;
  }
}

/** The trigger in Beam's notation, for names and messages: `AfterWatermark(early=AfterCount(2))`. */
export function describeTrigger(trigger: Trigger): string {
  const list = (ts: readonly Trigger[]) => ts.map(describeTrigger).join(', ');
  switch (trigger.kind) {
    case 'default':
      return 'Default';
    case 'never':
      return 'Never';
    case 'afterCount':
      return `AfterCount(${trigger.count})`;
    case 'afterProcessingTime':
      return `AfterProcessingTime(${trigger.delay}${trigger.alignment ? `, alignTo=${trigger.alignment.period}+${trigger.alignment.offset}` : ''})`;
    case 'afterSynchronizedProcessingTime':
      return 'AfterSynchronizedProcessingTime';
    case 'afterWatermark': {
      const parts = [trigger.early && `early=${describeTrigger(trigger.early)}`, trigger.late && `late=${describeTrigger(trigger.late)}`];
      return `AfterWatermark(${parts.filter(Boolean).join(', ')})`;
    }
    case 'repeatedly':
      return `Repeatedly(${describeTrigger(trigger.trigger)})`;
    case 'afterAny':
      return `AfterAny(${list(trigger.triggers)})`;
    case 'afterAll':
      return `AfterAll(${list(trigger.triggers)})`;
    case 'afterEach':
      return `AfterEach(${list(trigger.triggers)})`;
    case 'orFinally':
      return `OrFinally(${describeTrigger(trigger.main)}, ${describeTrigger(trigger.until)})`;
  }
}
