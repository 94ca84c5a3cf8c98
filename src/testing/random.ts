export { seededRandom } from '../core/random.js';
