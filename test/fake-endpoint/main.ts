/**
 * Runs the fake OpenAI-compatible endpoint on its own, for manual checks:
 *
 *   node dist/test/fake-endpoint/main.js --port 8000 [--latency-ms 50] [--seed 1]
 *
 * It is not a model: every answer echoes the last user message (or the
 * prompt). Faults and stats are driven through the admin API:
 * POST /_fake/faults, GET /_fake/stats, POST /_fake/reset.
 */
import { startFakeEndpoint, type FakeRequest, type FakeReply } from '../../lib/operator/scripted-endpoint';

interface Args {
  port: number;
  latencyMs: number;
  seed: number;
}

const USAGE = 'usage: node dist/test/fake-endpoint/main.js --port N [--latency-ms N] [--seed N]';

function parseArgs(argv: string[]): Args {
  const args: Args = { port: 0, latencyMs: 0, seed: 0 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    const raw = argv[++i];
    const value = Number(raw);
    if (raw === undefined || !Number.isInteger(value) || value < 0) {
      throw new Error(`${flag} needs a non-negative integer\n${USAGE}`);
    }
    if (flag === '--port') args.port = value;
    else if (flag === '--latency-ms') args.latencyMs = value;
    else if (flag === '--seed') args.seed = value;
    else throw new Error(`unknown option ${flag}\n${USAGE}`);
  }
  return args;
}

function echo(req: FakeRequest): FakeReply {
  const lastUser = req.messages?.filter((m) => m.role === 'user').at(-1)?.content;
  return { content: `echo: ${lastUser ?? req.prompt ?? ''}` };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const endpoint = await startFakeEndpoint({
    port: args.port,
    latencyMs: args.latencyMs,
    seed: args.seed,
    answer: echo,
  });
  console.log(`fake OpenAI-compatible endpoint (echo answers, not a real model) at ${endpoint.url}, model 'demo-model'`);
  const shutdown = (): void => {
    void endpoint.close().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
});
