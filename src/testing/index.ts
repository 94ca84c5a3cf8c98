export { assertDeepEqual, assertThat, PipelineAssertionError } from './assert.js';
export { collect, Collect } from '../io/collect.js';
export { testStream, TestStream, timestamped, type TimestampedValue } from './test-stream.js';
export { seededRandom } from './random.js';
export { eventStream } from './event-stream.js';
export { runWithKills, type CrashLoopOptions } from './crash-loop.js';
export { readOutbox, runWithStops, type ClosableJob, type OutboxRow, type RunWithStopsOptions } from './durable-runs.js';
