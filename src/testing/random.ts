export { seededRandom } from '../common/random.js';
