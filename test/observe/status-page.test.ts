/**
 * The status page in headless Chromium (Debian's chromium, driven by playwright-core) while
 * `runnel demo --http` runs through the compiled CLI: the plots fill with points, the counters go
 * up, and the pipeline's operators are listed. Saves a screenshot as test-results/status-page.png.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { expect, it } from 'vitest';
import { eventually } from './prometheus.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);

it.skipIf(!present)(
  present ? 'the status page plots the running demo and its counters go up' : `the status page in a browser: skipped, ${CHROMIUM} is missing (apt-get install chromium)`,
  { timeout: 120_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-status-page-'));
    const demo = spawn('node', [CLI, 'demo', '--duration', '90', '--sensors', '3', '--rate', '20', '--retrain-every', '3', '--dir', dir, '--no-publish', '--http', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    demo.stdout.resume();
    demo.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      await eventually(async () => /status page on http:\/\/127\.0\.0\.1:\d+\//.test(stderr), 'the status page address on stderr', 30_000);
      const url = /status page on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)![1]!;
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const failures: string[] = [];
      page.on('pageerror', (error) => failures.push(error.message));
      page.on('requestfailed', (request) => failures.push(`${request.url()}: ${request.failure()?.errorText}`));
      await page.goto(url);
      const points = (id: string): Promise<number> => page.$eval(`#plot-${id}`, (el) => Number((el as HTMLElement).dataset['points']));
      const ingested = async (): Promise<number> => Number((await page.textContent('#ingested'))!.replace(/,/g, '')) || 0;
      await eventually(async () => (await points('rates')) >= 3 && (await ingested()) > 0, 'three points on the plots and messages counted', 30_000);
      const first = await ingested();
      await eventually(async () => (await ingested()) > first, 'the ingest counter to go up without a reload', 15_000);
      for (const id of ['rates', 'depths', 'latency', 'model']) {
        expect(await points(id), id).toBeGreaterThanOrEqual(3);
        // uPlot draws on a canvas of the figure's width.
        expect(await page.$eval(`#plot-${id} canvas`, (c) => (c as HTMLCanvasElement).width), id).toBeGreaterThan(100);
      }
      await eventually(async () => Number((await page.textContent('#read'))!.replace(/,/g, '')) > 0, 'elements read to be counted');
      const graph = (await page.textContent('#graph tbody'))!;
      expect(graph).toContain('oneSecondWindows');
      expect(graph).toContain('sensors');
      expect(await page.textContent('#model')).toMatch(/next-window-temp v\d+/);
      expect(failures).toEqual([]);
      mkdirSync(join(ROOT, 'test-results'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'test-results', 'status-page.png'), fullPage: true });
      demo.kill('SIGINT');
      const [code] = (await once(demo, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      await browser.close();
      if (demo.exitCode === null) demo.kill('SIGKILL');
    }
  },
);
