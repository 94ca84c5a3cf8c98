/**
 * The softmax objective (1/n)·Σ −log p(yᵢ) + (λ/2)·‖W‖² seen from standardised coordinates θ:
 * Wⱼ = cⱼ·θⱼ and b = θ_b − Σⱼ cⱼ·μⱼ·θⱼ, with μⱼ the feature means and cⱼ = 1/√(varⱼ + λ).
 * The map is exact and linear (J), so the kernels evaluate the raw objective at W = J·θ and
 * gradients and Hessian-vector products come back through Jᵀ: the data are never rewritten,
 * and the optimum found is the raw objective's. Centring removes the coupling between a
 * feature with a large offset and the intercept; scaling puts every feature's curvature near 1.
 */
import { standardise, type LogisticProblem } from './logistic-problem.js';
import type { F64Block } from '../../kernels/index.js';

/** The standardised softmax objective over a staged problem; `k` rows of D = d + 1 parameters. */
export class SoftmaxObjective {
  /** Parameters: k·(d+1). */
  readonly size: number;
  readonly #pb: LogisticProblem;
  readonly #k: number;
  readonly #l2: number;
  readonly #w: F64Block;
  readonly #grad: F64Block;
  readonly #scratch: F64Block;
  readonly #probs: F64Block;
  readonly #mean: F64Block;
  readonly #raw: Float64Array;

  /** `l2` is the penalty on each of the k rows (the caller doubles it for the 2-row binary case). */
  constructor(pb: LogisticProblem, k: number, l2: number) {
    const { ws, n, d } = pb;
    this.#pb = pb;
    this.#k = k;
    this.#l2 = l2;
    this.size = k * (d + 1);
    this.#w = ws.f64(this.size);
    this.#grad = ws.f64(this.size);
    this.#scratch = ws.f64(k);
    this.#probs = ws.f64(n * k);
    this.#mean = ws.f64Of(pb.scaling.mean);
    this.#raw = new Float64Array(this.size);
  }

  /** W = J·θ (k rows of [w…, b] in raw units) into `out`. */
  toRaw(theta: Float64Array, out: Float64Array): void {
    const { mean, scale } = this.#pb.scaling;
    const d = mean.length,
      D = d + 1;
    for (let c = 0; c < this.#k; c++) {
      let shift = 0;
      for (let j = 0; j < d; j++) {
        out[c * D + j] = scale[j]! * theta[c * D + j]!;
        shift += out[c * D + j]! * mean[j]!;
      }
      out[c * D + d] = theta[c * D + d]! - shift;
    }
  }

  /**
   * f(θ) and ∇f(θ) into `g`; also keeps the probabilities at θ for `hessianVector` and
   * `preconditioner`, which therefore describe the last point evaluated.
   */
  evaluate(theta: Float64Array, g: Float64Array): number {
    const { ws, n, d } = this.#pb;
    const D = d + 1,
      raw = this.#raw,
      l2 = this.#l2;
    this.toRaw(theta, raw);
    this.#w.view.set(raw);
    this.#grad.view.fill(0);
    let f = ws.x.softmaxGradient(this.#pb.x, this.#pb.y, n, d, this.#k, this.#w.ptr, this.#grad.ptr, this.#scratch.ptr, this.#probs.ptr) / n;
    const gv = this.#grad.view;
    for (let c = 0; c < this.#k; c++) {
      gv[c * D + d]! /= n;
      for (let j = 0; j < d; j++) {
        const wj = raw[c * D + j]!;
        f += 0.5 * l2 * wj * wj;
        gv[c * D + j] = gv[c * D + j]! / n + l2 * wj;
      }
    }
    standardise(gv, this.#k, this.#pb.scaling, g); // Jᵀ·h: the raw gradient in θ
    return f;
  }

  /** out = ∇²f(θ)·v at the last point evaluated: Jᵀ·(H_W + λ)·J·v. */
  hessianVector(v: Float64Array, out: Float64Array): void {
    const { ws, n, d } = this.#pb;
    const D = d + 1,
      u = this.#raw;
    this.toRaw(v, u);
    this.#w.view.set(u);
    this.#grad.view.fill(0);
    ws.x.softmaxHessianVector(this.#pb.x, n, d, this.#k, this.#probs.ptr, this.#w.ptr, this.#grad.ptr, this.#scratch.ptr);
    const hv = this.#grad.view;
    for (let c = 0; c < this.#k; c++) {
      hv[c * D + d]! /= n;
      for (let j = 0; j < d; j++) hv[c * D + j] = hv[c * D + j]! / n + this.#l2 * u[c * D + j]!;
    }
    standardise(hv, this.#k, this.#pb.scaling, out);
  }

  /**
   * The diagonal of ∇²f(θ) in centred coordinates at the last point evaluated (cⱼ²·(Σ p(1−p)(xⱼ−μⱼ)²/n + λ),
   * Σ p(1−p)/n for intercepts): Newton-CG's preconditioner. Cross terms between the centred
   * features and the intercept vanish only on average, so this is an approximation, as a
   * preconditioner may be.
   */
  preconditioner(out: Float64Array): void {
    const { ws, n, d, scaling } = this.#pb;
    const D = d + 1;
    this.#grad.view.fill(0);
    ws.x.softmaxHessianDiagonal(this.#pb.x, n, d, this.#k, this.#probs.ptr, this.#mean.ptr, this.#grad.ptr);
    const diag = this.#grad.view;
    for (let c = 0; c < this.#k; c++) {
      // A tiny floor keeps classes whose probabilities are all 0 or 1 invertible.
      out[c * D + d] = Math.max(diag[c * D + d]! / n, 1e-300);
      for (let j = 0; j < d; j++) out[c * D + j] = Math.max(scaling.scale[j]! ** 2 * (diag[c * D + j]! / n + this.#l2), 1e-300);
    }
  }
}
