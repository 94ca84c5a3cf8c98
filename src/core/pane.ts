/** When a pane fired relative to the watermark (Beam's `PaneInfo.Timing`). */
export type PaneTiming = 'early' | 'onTime' | 'late' | 'unknown';

/** Which firing of a window produced an output: timing, index, first/last. */
export interface PaneInfo {
  readonly timing: PaneTiming;
  /** 0 for the first firing of the window, then 1, 2, … */
  readonly index: number;
  /** -1 for early panes; 0 for the first pane that is not early (on time, or late if none was), then 1, 2, … */
  readonly nonSpeculativeIndex: number;
  readonly isFirst: boolean;
  /** No more panes follow for this key and window (its trigger finished or the window expired). */
  readonly isLast: boolean;
}

/** The pane of elements that no trigger produced (sources, element-wise stages). */
export const NO_FIRING: PaneInfo = Object.freeze({ timing: 'unknown', index: 0, nonSpeculativeIndex: 0, isFirst: true, isLast: true });

/** The pane of a window that fired exactly once, when the watermark passed its end. */
export const ON_TIME_AND_ONLY_FIRING: PaneInfo = Object.freeze({
  timing: 'onTime',
  index: 0,
  nonSpeculativeIndex: 0,
  isFirst: true,
  isLast: true,
});
