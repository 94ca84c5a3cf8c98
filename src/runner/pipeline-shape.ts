import { RunnelError } from '../common/errors.js';
import type { PipelineShape, Restored, StepLog } from '../store/step-log.js';
import type { Plan } from './plan.js';

/** The names a durable run files its checkpoints and state under: its sources and stateful stages. */
export function shapeOf(plan: Plan): PipelineShape {
  return {
    sources: plan.sources.map((s) => s.name).sort(),
    stages: plan.operators.flatMap(({ operator }) => (operator.durable ? [operator.durable.stage] : [])).sort(),
  };
}

/**
 * What a durable run of `plan` resumes from `log` (the database at `database`): refused with
 * `PIPELINE_CHANGED` when another pipeline wrote it. A database with no pipeline recorded (new, or
 * written by an older Runnel) records this one with its next commit.
 */
export function resumeFor(plan: Plan, log: StepLog, database: string): Restored {
  const restored = log.load();
  const shape = shapeOf(plan);
  if (restored.pipeline) checkShape(database, restored.pipeline, shape);
  else log.record(shape);
  return restored;
}

/**
 * Refuses to resume `database`'s checkpoints and state with a pipeline other than the one that
 * wrote them (as Beam refuses an update whose graph does not match its state). A renamed or new
 * source would read from its start into stages whose restored watermark may already be the end of
 * time (every element late); a renamed stage would start empty while its sources resume.
 */
export function checkShape(database: string, recorded: PipelineShape, current: PipelineShape): void {
  const differences = [...differ('source', recorded.sources, current.sources), ...differ('stateful stage', recorded.stages, current.stages)];
  if (differences.length === 0) return;
  const list = (names: readonly string[]): string => (names.length > 0 ? names.map((n) => `"${n}"`).join(', ') : 'none');
  throw new RunnelError(
    'PIPELINE_CHANGED',
    `${database} holds the checkpoints and state of another pipeline: ${differences.join('; ')}. ` +
      `A durable run resumes each source and stateful stage by its name, so this pipeline would run on state that does not match it. ` +
      `Run it on a new database (another --db or Store path), or run the pipeline this one was written by ` +
      `(sources ${list(recorded.sources)}; stateful stages ${list(recorded.stages)}).`,
  );
}

function differ(kind: string, recorded: readonly string[], current: readonly string[]): string[] {
  const gone = recorded.filter((name) => !current.includes(name)).map((name) => `${kind} "${name}" is gone`);
  const added = current.filter((name) => !recorded.includes(name)).map((name) => `${kind} "${name}" is new`);
  return [...gone, ...added];
}
