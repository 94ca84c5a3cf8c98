/**
 * The learning loops of the models a pipeline file declares (`options.runnel_models`), while
 * `runnel run` runs it: each is ticked every `checkEveryMs`, once more when the run ends (so a
 * batch run's samples are trained on before it exits), then closed.
 */
import type { LifecycleEvent } from '../ml/lifecycle/options.js';
import type { PipelineModel } from '../yaml/index.js';

/** Running loops; `stop` ticks each a last time, awaits `beforeClose` (e.g. a sync pushing what those ticks promoted), and closes them. */
export interface ModelLoops {
  stop(beforeClose?: () => Promise<void>): Promise<void>;
}

/**
 * Starts ticking `models`; a tick that fails is logged and the next one tries again. `onDecision`
 * hears each tick that decided something (promoted, rejected, shadow, rolled back).
 */
export function startModelLoops(models: readonly PipelineModel[], warn: (line: string) => void, onDecision?: (model: PipelineModel, event: LifecycleEvent) => void): ModelLoops {
  const loops = models.map((model) => {
    let running: Promise<unknown> | undefined;
    const tick = async (): Promise<void> => {
      try {
        const event = await model.lifecycle.tick();
        if (event.action !== 'none' && event.action !== 'busy' && event.action !== 'waiting') onDecision?.(model, event);
      } catch (error) {
        warn(`model "${model.name}": the learning loop's tick failed: ${(error as Error).message}`);
      }
    };
    // A tick still running when the next is due is not doubled: the due one is skipped.
    const timer = setInterval(() => void (running ??= tick().finally(() => (running = undefined))), model.checkEveryMs);
    timer.unref();
    return { model, timer, tick, running: () => running };
  });
  return {
    async stop(beforeClose) {
      for (const { timer, tick, running } of loops) {
        clearInterval(timer);
        await running();
        await tick();
      }
      await beforeClose?.();
      for (const { model } of loops) await model.lifecycle.close();
    },
  };
}
