/** Types for ml-naivebayes 4 (ships none); only what the tests and benchmark use. */
declare module 'ml-naivebayes' {
  export class GaussianNB {
    train(x: number[][], y: number[]): void;
    predict(x: number[][]): number[];
  }
}
