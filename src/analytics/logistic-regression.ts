// Maximum-likelihood logistic regression by iteratively reweighted least squares (Newton–Raphson
// on the log-likelihood), with the linear algebra in ml-matrix: each step solves
// (Xᵀ W X) Δ = Xᵀ (y − p) by its Cholesky factorisation (an SVD solve when X is rank-deficient).

import { CholeskyDecomposition, Matrix, solve } from 'ml-matrix';

export interface LogisticFit {
  intercept: number;
  coefficients: number[];
  iterations: number;
  converged: boolean;
  /** −2 · log-likelihood at the fit. */
  deviance: number;
}

export interface LogisticOptions {
  maxIterations?: number;
  /** Stop when the deviance changes by less than this (relative). */
  tolerance?: number;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/**
 * Fits P(y = 1 | x) = σ(b0 + Σ bj xj). `rows` holds one Float64Array of features per column
 * (column-major, as the WOE columns are built); `y` is 0/1.
 */
export function fitLogistic(
  columns: readonly Float64Array[],
  y: ArrayLike<number>,
  options: LogisticOptions = {},
): LogisticFit {
  const n = y.length;
  const p = columns.length + 1;
  const maxIterations = options.maxIterations ?? 50;
  const tolerance = options.tolerance ?? 1e-10;
  const x = new Matrix(n, p);
  for (let i = 0; i < n; i += 1) {
    x.set(i, 0, 1);
    for (let j = 1; j < p; j += 1) x.set(i, j, columns[j - 1]![i]!);
  }
  const xt = x.transpose();
  let beta = Matrix.zeros(p, 1);
  let deviance = Number.POSITIVE_INFINITY;
  let iterations = 0;
  let converged = false;
  const eta = new Float64Array(n);
  for (; iterations < maxIterations; iterations += 1) {
    const linear = x.mmul(beta);
    const weights = new Float64Array(n);
    const residual = new Matrix(n, 1);
    let nextDeviance = 0;
    for (let i = 0; i < n; i += 1) {
      eta[i] = linear.get(i, 0);
      const prob = sigmoid(eta[i]!);
      const yi = y[i]!;
      // Clamped so a perfectly separated point does not produce log(0).
      nextDeviance -=
        2 * (yi === 1 ? Math.log(Math.max(prob, 1e-300)) : Math.log(Math.max(1 - prob, 1e-300)));
      weights[i] = Math.max(prob * (1 - prob), 1e-12);
      residual.set(i, 0, yi - prob);
    }
    if (Math.abs(deviance - nextDeviance) <= tolerance * (Math.abs(nextDeviance) + 1e-12)) {
      deviance = nextDeviance;
      converged = true;
      break;
    }
    deviance = nextDeviance;
    const xtw = xt.clone().mulRowVector(weights);
    // Symmetric in exact arithmetic; averaged with its transpose so rounding does not make the
    // Cholesky factorisation refuse it.
    const product = xtw.mmul(x);
    const hessian = product.add(product.transpose()).div(2);
    const gradient = xt.mmul(residual);
    const cholesky = new CholeskyDecomposition(hessian);
    const step = cholesky.isPositiveDefinite() ? cholesky.solve(gradient) : solve(hessian, gradient, true);
    beta = beta.add(step);
  }
  const coefficients = beta.to1DArray();
  return {
    intercept: coefficients[0]!,
    coefficients: coefficients.slice(1),
    iterations,
    converged,
    deviance,
  };
}

export { sigmoid };
