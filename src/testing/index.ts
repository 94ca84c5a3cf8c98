export { assertDeepEqual, assertThat, PipelineAssertionError } from './assert.js';
export { collect, Collect } from '../io/collect.js';
