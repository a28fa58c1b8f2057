/**
 * The performance benchmark: evalflow end to end (real Temporal, real MinIO,
 * worker processes) against a plain `openai`-SDK loop with the same
 * concurrency, on the same load endpoint, in one command. Prints figures;
 * ratios are against the plain loop run in the same command (machines are noisy).
 *
 *   npm run bench -- [--samples 1000,10000] [--parallelism 64,256] [--latency 50,500] [--workers 1,2,4]
 *                    [--worker-activities N] [--shard-size N]
 *   npm run bench -- --scenario tail|capped [options]   (bench/scenarios.ts)
 *
 * Per scenario: throughput of both, evalflow / plain-loop ratio, the ideal
 * time samples × latency / concurrency, worker CPU seconds and peak memory per
 * 1,000 samples, the largest Temporal history (events) of any workflow
 * execution, and MinIO objects and bytes per sample.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from '@temporalio/client';
import { getFreePort } from '../lib/operator/infra/dev';
import { CLI, REPO, cpuSeconds, listArg, numArg, peakRssMiB, plainLoop, strArg, waitForLine, benchStack } from './common';
import { runScenario } from './scenarios';
import { startEvaluation } from '../lib/operator/client';
import { ArtifactStore } from '../lib/engine/store';
import { loadSettings } from '../lib/config/settings';

interface Row {
  samples: number;
  parallelism: number;
  latency: number;
  workers: number;
  ideal: number;
  plain: number;
  evalflow: number;
  cpuPer1k: number;
  plainCpuPer1k: number;
  temporalCpuPer1k: number;
  minioCpuPer1k: number;
  peakMiB: number;
  maxEvents: number;
  objPerSample: number;
  bytesPerSample: number;
}

async function main(): Promise<void> {
  const scenario = strArg('scenario');
  if (scenario !== undefined) return runScenario(scenario);
  const samplesList = listArg('samples', [1000, 10000]);
  const parList = listArg('parallelism', [64, 256]);
  const latList = listArg('latency', [50]);
  const workersList = listArg('workers', [1]);
  // Scale-out: cap each worker to this many shards at a time, so added workers add capacity.
  const workerActivities = numArg('worker-activities');
  const shardSize = numArg('shard-size');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evalflow-bench-'));
  console.log(`# evalflow benchmark — ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  const { stack, env, connection } = await benchStack('bench');
  const client = new Client({ connection });
  const rows: Row[] = [];
  const children: ChildProcess[] = [];
  try {
    for (const latency of latList) {
      const epLog = path.join(tmp, `endpoint-${latency}.log`);
      const port = await getFreePort();
      const ep = spawn(process.execPath, [path.join(REPO, 'dist', 'bench', 'load-endpoint.js'), '--port', String(port), '--latency-ms', String(latency)], {
        stdio: ['ignore', fs.openSync(epLog, 'w'), fs.openSync(epLog, 'a')],
      });
      children.push(ep);
      await waitForLine(ep, epLog, 'load endpoint ready');
      const url = `http://127.0.0.1:${port}/v1`;
      for (const samples of samplesList) {
        const dataDir = path.join(tmp, `data-${samples}`);
        if (!fs.existsSync(dataDir)) {
          fs.mkdirSync(path.join(dataDir, 'gsm8k'), { recursive: true });
          const lines: string[] = [];
          for (let i = 0; i < samples; i++) lines.push(JSON.stringify({ question: `What is ${i} plus one?`, answer: `#### ${i + 1}` }));
          fs.writeFileSync(path.join(dataDir, 'gsm8k', 'test.jsonl'), lines.join('\n') + '\n');
        }
        for (const parallelism of parList) {
          for (const workers of workersList) {
            const { wall: plain, cpu: plainCpu } = await plainLoop(url, samples, parallelism, (i) => `Solve the following math problem. What is ${i} plus one?`);
            const bucket = `bench-${samples}-${parallelism}-${latency}-${workers}-${Date.now()}`;
            const wenv = { ...env, EVALFLOW_S3_BUCKET: bucket };
            process.env.EVALFLOW_S3_BUCKET = bucket;
            const procs: ChildProcess[] = [];
            for (let w = 0; w < workers; w++) {
              const log = path.join(tmp, `${bucket}-w${w}.log`);
              const p = spawn(process.execPath, [...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), CLI, 'worker', ...(workerActivities ? ['--max-activities', String(workerActivities)] : [])], { env: wenv, stdio: ['ignore', fs.openSync(log, 'w'), fs.openSync(log, 'a')] });
              procs.push(p);
              children.push(p);
              await waitForLine(p, log, 'evalflow worker:');
            }
            const warmup = numArg('warmup');
            if (warmup) {
              // A long-running worker: one earlier run of `warmup` samples (other sampling settings, so
              // the measured run finds nothing of it in the response cache) before the measured run.
              const w = await startEvaluation({
                runId: `warmup-${samples}-${parallelism}-${latency}-${workers}-${Date.now()}`,
                taskQueue: 'bench',
                config: {
                  target: { api_endpoint: { url: `${url}/chat/completions`, model_id: 'load-model' } },
                  evaluation: {
                    nemo_evaluator_config: { config: { params: { parallelism, max_new_tokens: 63, limit_samples: warmup } } },
                    tasks: [{ name: 'gsm8k', dataset_dir: dataDir }],
                  },
                },
              });
              await client.workflow.getHandle(w.runId).result();
            }
            const cpu0 = procs.map((p) => cpuSeconds(p.pid!));
            const servers = stack.pids();
            const serverCpu0 = { temporal: cpuSeconds(servers.temporal!), minio: cpuSeconds(servers.minio!) };
            const runId = `bench-${samples}-${parallelism}-${latency}-${workers}`;
            const t0 = performance.now();
            await startEvaluation({
              runId: `${runId}-${Date.now()}`,
              taskQueue: 'bench',
              config: {
                target: { api_endpoint: { url: `${url}/chat/completions`, model_id: 'load-model' } },
                evaluation: {
                  nemo_evaluator_config: { config: { params: { parallelism, max_new_tokens: 64 } } },
                  tasks: [{ name: 'gsm8k', dataset_dir: dataDir }],
                },
                ...(shardSize ? { execution: { shard_size: shardSize } } : {}),
              },
            }).then((s) => client.workflow.getHandle(s.runId).result().then(() => s.runId));
            const wall = (performance.now() - t0) / 1000;
            const cpu = procs.reduce((acc, p, i) => acc + cpuSeconds(p.pid!) - cpu0[i], 0);
            const serverCpu = { temporal: cpuSeconds(servers.temporal!) - serverCpu0.temporal, minio: cpuSeconds(servers.minio!) - serverCpu0.minio };
            const peak = Math.max(...procs.map((p) => peakRssMiB(p.pid!)));
            for (const p of procs) p.kill('SIGTERM');
            // A profiled worker writes its profile on the way out: let it finish.
            if (process.env.BENCH_CPU_PROF) await Promise.all(procs.map((p) => (p.exitCode !== null ? undefined : new Promise((r) => p.once('exit', r)))));
            let maxEvents = 0;
            for await (const wf of client.workflow.list({ query: `WorkflowId STARTS_WITH '${runId}'` })) maxEvents = Math.max(maxEvents, wf.historyLength);
            const store = new ArtifactStore(loadSettings().storage);
            let objects = 0;
            let bytes = 0;
            for await (const o of store.client.listObjectsV2(bucket, '', true) as AsyncIterable<{ size?: number }>) {
              objects++;
              bytes += o.size ?? 0;
            }
            rows.push({
              samples, parallelism, latency, workers,
              ideal: (samples * latency) / 1000 / parallelism,
              plain, evalflow: wall,
              cpuPer1k: (cpu / samples) * 1000,
              plainCpuPer1k: (plainCpu / samples) * 1000,
              temporalCpuPer1k: (serverCpu.temporal / samples) * 1000,
              minioCpuPer1k: (serverCpu.minio / samples) * 1000,
              peakMiB: peak,
              maxEvents,
              objPerSample: objects / samples,
              bytesPerSample: bytes / samples,
            });
            const r = rows[rows.length - 1];
            console.log(
              `samples ${samples} par ${parallelism} lat ${latency}ms workers ${workers}: ideal ${r.ideal.toFixed(1)}s plain ${plain.toFixed(1)}s (${(samples / plain).toFixed(0)}/s) ` +
                `evalflow ${wall.toFixed(1)}s (${(samples / wall).toFixed(0)}/s) ratio ${(plain / wall).toFixed(2)} cpu/1k ${r.cpuPer1k.toFixed(2)}s (plain loop ${r.plainCpuPer1k.toFixed(2)}s; temporal ${r.temporalCpuPer1k.toFixed(2)}s, minio ${r.minioCpuPer1k.toFixed(2)}s) peak ${peak.toFixed(0)}MiB ` +
                `events ${maxEvents} objects/sample ${r.objPerSample.toFixed(2)} bytes/sample ${r.bytesPerSample.toFixed(0)}`,
            );
          }
        }
      }
      ep.kill('SIGTERM');
    }
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await connection.close();
    await stack.stop();
  }
  console.log('\n| samples | parallelism | latency ms | workers | ideal s | plain loop /s | evalflow /s | evalflow / plain | worker CPU s per 1k | plain loop CPU s per 1k | Temporal + MinIO CPU s per 1k | peak MiB | max events/execution | objects/sample | bytes/sample |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.samples} | ${r.parallelism} | ${r.latency} | ${r.workers} | ${r.ideal.toFixed(1)} | ${(r.samples / r.plain).toFixed(0)} | ${(r.samples / r.evalflow).toFixed(0)} | ${(r.plain / r.evalflow).toFixed(2)} | ${r.cpuPer1k.toFixed(2)} | ${r.plainCpuPer1k.toFixed(2)} | ${(r.temporalCpuPer1k + r.minioCpuPer1k).toFixed(2)} | ${r.peakMiB.toFixed(0)} | ${r.maxEvents} | ${r.objPerSample.toFixed(2)} | ${r.bytesPerSample.toFixed(0)} |`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});
