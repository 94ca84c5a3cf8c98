/** When a pane fired relative to the watermark. */
export type PaneTiming = 'early' | 'onTime' | 'late' | 'unknown';

/** Which firing of a window produced an output: timing, index, first/last. */
export interface PaneInfo {
  readonly timing: PaneTiming;
  /** 0 for the first firing of the window, then 1, 2, … */
  readonly index: number;
  readonly isFirst: boolean;
  readonly isLast: boolean;
}

/** The pane of elements that no trigger produced (sources, element-wise stages). */
export const NO_FIRING: PaneInfo = Object.freeze({ timing: 'unknown', index: 0, isFirst: true, isLast: true });

/** The pane of a window that fired exactly once, when the watermark passed its end. */
export const ON_TIME_AND_ONLY_FIRING: PaneInfo = Object.freeze({
  timing: 'onTime',
  index: 0,
  isFirst: true,
  isLast: true,
});
