// A bench run with --metrics-port, scraped while it runs: the CLI in its own process on 127.0.0.1,
// /metrics polled until the calls counter moves (never after a fixed sleep), the exposition checked
// by promtool, then the same run's --junit file and GITHUB_STEP_SUMMARY append.
//
// Two repeats of one row: while a workload sends no per-interval events, the calls counter moves
// when the first run's record arrives, and the second run keeps the bench (and /metrics) up; once
// intervals flow it moves during the first run already. Either way the scrape happens mid-run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { CONTENT_TYPES } from '../harness/output/openmetrics-render.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');
const PROMTOOL = spawnSync('promtool', ['--version']).status === 0;

const callsOf = (exposition: string): number =>
  exposition
    .split('\n')
    .filter((l) => l.startsWith('protocol_bench_calls_total{') && l.includes('protocol="rest"'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

test(
  'a bench with --metrics-port is scraped while it runs; --junit and the job summary follow',
  { timeout: 180_000 },
  async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'metrics-e2e-'));
    const summary = path.join(dir, 'summary.md');
    const junit = path.join(dir, 'junit.xml');
    // No reruns: a disturbed attempt is kept (and warned about) instead of doubling the test's time.
    writeFileSync(path.join(dir, 'bench.config.mjs'), 'export default { machine: { reruns: 0 } };\n');
    const args = ['--scenario', 'getUser', '--protocols', 'rest', '--repeat', '2', '--duration', '2', '--warmup', '0.5'];
    args.push('--connections', '2', '--inflight', '1', '--metrics-port', '0', '--out', path.join(dir, 'r.json'));
    args.push('--config', path.join(dir, 'bench.config.mjs'));
    const child = spawn(process.execPath, ['--import', TSX, path.join(ROOT, 'harness/cli/bench.ts'), ...args, '--junit', junit], {
      cwd: ROOT,
      env: { ...process.env, GITHUB_STEP_SUMMARY: summary },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    let running = true;
    void exited.then(() => (running = false));
    const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 100));
    try {
      // The URL (port 0: the system's choice) is printed on stderr before the first row.
      let url: string | undefined;
      while (running && !url) {
        url = /metrics: serving OpenMetrics at (\S+)/.exec(stderr)?.[1];
        if (!url) await tick();
      }
      assert.ok(url, `the metrics URL was printed\n${stderr}`);

      let scraped: { body: string; type: string | null; text: string } | undefined;
      while (running && !scraped) {
        const res = await fetch(url).catch(() => undefined);
        const body = res ? await res.text() : '';
        if (res && callsOf(body) > 0) {
          // The plain-text format, for promtool check metrics, scraped right after (still mid-run).
          const text = await (await fetch(url, { headers: { accept: 'text/plain' } })).text();
          scraped = { body, type: res.headers.get('content-type'), text };
        } else await tick();
      }
      assert.ok(scraped, `the calls counter moved while the bench ran\n${stderr}`);
      assert.equal(scraped.type, CONTENT_TYPES.openmetrics);
      assert.ok(scraped.body.endsWith('# EOF\n'));
      assert.match(
        scraped.body,
        /^protocol_bench_runs_started_total\{scenario="getUser",protocol="rest",implementation="fastify"\} [12]$/m,
      );
      assert.match(scraped.body, /^protocol_bench_call_duration_seconds_bucket\{.*le="\+Inf"\} [1-9]\d*$/m);
      if (PROMTOOL) {
        const lint = spawnSync('promtool', ['check', 'metrics'], { input: scraped.text, encoding: 'utf8' });
        assert.equal(lint.status, 0, `promtool check metrics:\n${lint.stdout}${lint.stderr}\n${scraped.text}`);
      } else console.error('promtool is not installed: the live exposition was not linted (apt-get install prometheus)');

      assert.equal(await exited, 0, `exit\n${stderr}\n${stdout}`);
      await assert.rejects(fetch(url), 'the metrics server closes with the bench');

      const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testcase' });
      const doc = xml.parse(readFileSync(junit, 'utf8')) as {
        testsuites: { failures: string; testsuite: { name: string; testcase: { name: string; skipped?: unknown }[] } };
      };
      assert.equal(doc.testsuites.failures, '0');
      assert.equal(doc.testsuites.testsuite.name, 'getUser: runs', 'no thresholds configured: the runs suite alone');
      // One case per run record; a busy machine may add superseded attempts, skipped with their reason.
      const counted = doc.testsuites.testsuite.testcase.filter((c) => c.skipped === undefined);
      assert.deepEqual(
        counted.map((c) => c.name.replace(/run \d+\/\d+/, 'run N')),
        ['rest: run N (repeat 1)', 'rest: run N (repeat 2)'],
      );
      const md = readFileSync(summary, 'utf8');
      assert.match(md, /\| protocol \| ops\/s \|/, 'the Markdown report went to the job summary');
    } finally {
      if (running) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
