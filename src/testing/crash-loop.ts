import { spawn } from 'node:child_process';

/** Options of `runWithKills`. */
export interface CrashLoopOptions {
  /** The program and its arguments; it prints a line per committed step and exits 0 when done. */
  readonly command: string;
  readonly args: readonly string[];
  /** Gives numbers in [0, 1) (a seeded PRNG, for repeatable kill points). */
  readonly random: () => number;
  /** Kill after 1…maxStepsPerLife committed steps (default 12). */
  readonly maxStepsPerLife?: number;
  /** Give up after this many lives (default 1000). */
  readonly maxLives?: number;
}

/**
 * Runs a durable job again and again, killing it with SIGKILL a random number of steps (plus up
 * to 3 ms) into each life, until it finishes on its own. Returns how many times it was killed.
 */
export async function runWithKills(options: CrashLoopOptions): Promise<{ kills: number }> {
  const maxSteps = options.maxStepsPerLife ?? 12;
  let kills = 0;
  for (let life = 0; life < (options.maxLives ?? 1000); life++) {
    const killAfterSteps = 1 + Math.floor(options.random() * maxSteps);
    const child = spawn(options.command, options.args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const outcome = await new Promise<'killed' | 'finished'>((resolve, reject) => {
      let steps = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        steps += chunk.toString().split('\n').filter(Boolean).length;
        // A little after the chosen commit, so the kill lands at a random point of the next
        // step, possibly inside its SQLite transaction.
        if (steps >= killAfterSteps && child.exitCode === null) setTimeout(() => child.kill('SIGKILL'), options.random() * 3);
      });
      child.on('exit', (code, signal) => {
        if (signal === 'SIGKILL') resolve('killed');
        else if (code === 0) resolve('finished');
        else reject(new Error(`${options.command} exited with code ${code}`));
      });
    });
    if (outcome === 'finished') return { kills };
    kills++;
  }
  throw new Error(`the job did not finish in ${options.maxLives ?? 1000} lives`);
}
