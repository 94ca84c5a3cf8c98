/** When an aggregation emits a window's panes. Build with the factories below. */
export type Trigger =
  | { readonly kind: 'afterWatermark'; readonly early?: Trigger; readonly late?: Trigger }
  | { readonly kind: 'afterCount'; readonly count: number }
  | { readonly kind: 'afterProcessingTime'; readonly delay: number }
  | { readonly kind: 'repeatedly'; readonly trigger: Trigger }
  | { readonly kind: 'default' };

/**
 * Fires when the watermark passes the end of the window (the on-time pane). `early` fires
 * repeatedly before that (speculative panes); `late` fires repeatedly for late data within
 * the allowed lateness. Without `late`, late data is rejected as `late`.
 */
export function afterWatermark(options: { early?: Trigger; late?: Trigger } = {}): Trigger {
  return { kind: 'afterWatermark', ...(options.early ? { early: options.early } : {}), ...(options.late ? { late: options.late } : {}) };
}

/** Fires once `count` elements have arrived in the pane. */
export function afterCount(count: number): Trigger {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`afterCount(count): count must be an integer >= 1, got ${count}`);
  return { kind: 'afterCount', count };
}

/** Fires `delay` ms of processing time after the first element of the pane arrived. */
export function afterProcessingTime(delay: number): Trigger {
  if (!Number.isFinite(delay) || delay < 0) throw new RangeError(`afterProcessingTime(delay): delay must be >= 0 ms, got ${delay}`);
  return { kind: 'afterProcessingTime', delay };
}

/** Fires every time `trigger` would fire, forever; what is pending when the window expires is emitted last. */
export function repeatedly(trigger: Trigger): Trigger {
  return { kind: 'repeatedly', trigger };
}

/**
 * Beam's default: an on-time pane when the watermark passes the end of the window, then a late
 * pane for every late element within the allowed lateness.
 */
export function defaultTrigger(): Trigger {
  return { kind: 'default' };
}

/** A firing condition on a pane: a number of elements or a processing-time delay. */
export type Condition = { readonly count: number } | { readonly delay: number };

/** A trigger reduced to what the aggregation operator checks. */
export interface TriggerPlan {
  /** Condition for panes before the end of the window. */
  readonly early: Condition | undefined;
  /** Whether the watermark passing the end of the window fires (the on-time pane). */
  readonly onTime: boolean;
  /** Condition for panes after the end of the window; undefined rejects late data. */
  readonly late: Condition | undefined;
  /** True when the trigger fires at most once per window (then the window is closed). */
  readonly once: boolean;
}

function condition(trigger: Trigger, where: string): Condition {
  switch (trigger.kind) {
    case 'afterCount':
      return { count: trigger.count };
    case 'afterProcessingTime':
      return { delay: trigger.delay };
    case 'repeatedly':
      return condition(trigger.trigger, where);
    default:
      throw new TypeError(`${where}: use afterCount(n) or afterProcessingTime(ms) here, not ${trigger.kind}`);
  }
}

/** Reduces a trigger to a plan, rejecting combinations Runnel does not support. */
export function planTrigger(trigger: Trigger): TriggerPlan {
  switch (trigger.kind) {
    case 'default':
      return { early: undefined, onTime: true, late: { count: 1 }, once: false };
    case 'afterWatermark':
      return {
        early: trigger.early && condition(trigger.early, 'afterWatermark({ early })'),
        onTime: true,
        late: trigger.late && condition(trigger.late, 'afterWatermark({ late })'),
        once: false,
      };
    case 'repeatedly': {
      const c = condition(trigger.trigger, 'repeatedly()');
      return { early: c, onTime: false, late: c, once: false };
    }
    case 'afterCount':
    case 'afterProcessingTime': {
      const c = condition(trigger, 'trigger');
      return { early: c, onTime: false, late: c, once: true };
    }
  }
}
