/** Evaluation reports: metrics of a model on held-out rows that print as a table. */
import { isClassifier, type FrameLike, type TrainedModel } from '../train/types.js';
import { accuracy, classScores, confusionMatrix, logLoss, mae, r2, rmse, rocAuc, type ConfusionMatrix } from './metrics.js';

/** Formats a number for a table: up to 4 significant digits. */
function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Number(v.toPrecision(4)).toString();
}

/** Lays out rows as a text table with aligned columns. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = header.map((_, j) => Math.max(...cells.map((r) => String(r[j] ?? '').length)));
  const line = (r: readonly (string | number)[]): string => r.map((c, j) => (typeof c === 'string' && j === 0 ? c.padEnd(widths[j]!) : String(c).padStart(widths[j]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** A model's metrics on a set of rows. */
export class Report {
  constructor(
    readonly title: string,
    /** Metric name → value. */
    readonly metrics: Readonly<Record<string, number>>,
    /** Per-class precision/recall/F1/support (classifiers). */
    readonly perClass?: ReturnType<typeof classScores>,
    readonly confusion?: ConfusionMatrix,
    /** The evaluated model's warnings (e.g. its solver stopped before converging). */
    readonly warnings: readonly string[] = [],
  ) {}

  /** The report as text tables: metrics, per-class scores and the confusion matrix. */
  toString(): string {
    const parts = [[this.title, ...this.warnings.map((w) => `warning: ${w}`)].join('\n'), table(['metric', 'value'], Object.entries(this.metrics))];
    if (this.perClass) {
      const p = this.perClass;
      parts.push(
        table(
          ['class', 'precision', 'recall', 'f1', 'support'],
          p.classes.map((c, i) => [String(c), p.precision[i]!, p.recall[i]!, p.f1[i]!, p.support[i]!]),
        ),
      );
    }
    if (this.confusion) {
      const { classes, matrix } = this.confusion;
      parts.push(
        table(
          ['true \\ predicted', ...classes.map(String)],
          matrix.map((row, i) => [String(classes[i]), ...row]),
        ),
      );
    }
    return parts.join('\n\n');
  }
}

/** RMSE, MAE and R² of predictions. */
export function regressionReport(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, title = 'regression'): Report {
  return new Report(title, { rows: yTrue.length, rmse: rmse(yTrue, yPred), mae: mae(yTrue, yPred), r2: r2(yTrue, yPred) });
}

/** Options of `classificationReport`. */
export interface ClassificationReportOptions {
  /** Row-major `[rows × classes]` probabilities, for log loss and (2 classes) ROC AUC. */
  proba?: ArrayLike<number>;
  /** Class order of `proba` and of the tables; default every label seen. */
  classes?: readonly number[];
  title?: string;
}

/** Accuracy, macro P/R/F1, log loss and ROC AUC (when probabilities are given), per-class table and confusion matrix. */
export function classificationReport(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options: ClassificationReportOptions = {}): Report {
  const per = classScores(yTrue, yPred, options.classes);
  const metrics: Record<string, number> = {
    rows: yTrue.length,
    accuracy: accuracy(yTrue, yPred),
    precision_macro: per.macro.precision,
    recall_macro: per.macro.recall,
    f1_macro: per.macro.f1,
  };
  if (options.proba) {
    const classes = options.classes ?? per.classes;
    metrics['log_loss'] = logLoss(yTrue, options.proba, classes);
    if (classes.length === 2 && new Set(Array.from(yTrue)).size === 2) {
      metrics['roc_auc'] = rocAuc(
        yTrue,
        Array.from(options.proba).filter((_, i) => i % 2 === 1),
        classes[1],
      );
    }
  }
  return new Report(options.title ?? 'classification', metrics, per, confusionMatrix(yTrue, yPred, per.classes));
}

/** The report of a model on labelled rows: a classification report for classifiers, else regression; it repeats the model's warnings. */
export function evaluateModel(model: TrainedModel, frame: FrameLike, labels: ArrayLike<number>, title = model.kind): Report {
  const pred = model.predict(frame);
  const r = isClassifier(model) ? classificationReport(labels, pred, { proba: model.predictProba(frame), classes: model.classes, title }) : regressionReport(labels, pred, title);
  return model.warnings.length === 0 ? r : new Report(r.title, r.metrics, r.perClass, r.confusion, model.warnings);
}
