/**
 * `evalflow gate <baseline> <candidate> --policy gate.yaml`: the quality
 * gate of lib/analysis/gate.ts. Exit codes (for CI): 0 GO, 1 NO-GO, 2 INCONCLUSIVE,
 * 3 error (bad arguments or policy, unknown run, unreachable store).
 */
import type { Command } from 'commander';
import * as fs from 'node:fs';
import { GATE_EXIT_CODES, type GateReport, gateMarkdown, parsePolicy, runGate } from '../lib/analysis/gate';
import { loadSettings } from '../lib/config/settings';
import { ArtifactStore } from '../lib/engine/store';
import { fmt, table } from './format';

export function gateText(r: GateReport): string {
  const rows = r.rules.map((x) => {
    const c = x.comparison;
    const signed = (v: number) => (v > 0 ? '+' : '') + fmt(v);
    return [
      x.decision, x.task, x.metric, x.score,
      c ? fmt(c.a) : '-', c ? fmt(c.b) : '-', c ? signed(c.diff) : '-',
      c ? `${Math.round(x.confidence * 100)}% [${signed(c.ci[0])}, ${signed(c.ci[1])}]` : '-',
      `-${x.max_regression}`, c ? c.n : '-', x.reason,
    ];
  });
  const lines = [
    `gate: ${r.decision}  (baseline ${r.baseline} → candidate ${r.candidate}; exit code ${r.exit_code})`,
    '',
    table(['decision', 'task', 'metric', 'score', 'baseline', 'candidate', 'diff', 'CI', 'threshold', 'n', 'reason'], rows),
  ];
  const flags = [...new Set(r.rules.flatMap((x) => x.flags.map((f) => `  ${x.task}: ${f.kind}: ${f.message}`)))];
  if (flags.length) lines.push('', 'not like for like:', ...flags);
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('gate')
    .argument('<baseline>', 'baseline run id')
    .argument('<candidate>', 'candidate run id')
    .requiredOption('--policy <file>', 'gate policy YAML (see examples/gate.yaml)')
    .option('--json <file>', 'write the decision report as JSON')
    .option('--md <file>', 'write the decision report as Markdown')
    .description('GO / NO-GO / INCONCLUSIVE for a candidate against a baseline; exit 0 GO, 1 NO-GO, 2 INCONCLUSIVE, 3 error')
    .exitOverride((err) => {
      // Usage errors are errors (3), never a decision code; --help stays 0.
      process.exit(err.exitCode === 0 ? 0 : GATE_EXIT_CODES.ERROR);
    })
    .action(async (baseline: string, candidate: string, o: { policy: string; json?: string; md?: string }) => {
      try {
        let text: string;
        try {
          text = fs.readFileSync(o.policy, 'utf8');
        } catch (e) {
          throw new Error(`cannot read policy ${o.policy}: ${e instanceof Error ? e.message : String(e)}`);
        }
        const policy = parsePolicy(text, o.policy);
        const report = await runGate(new ArtifactStore(loadSettings().storage), baseline, candidate, policy);
        if (o.json) fs.writeFileSync(o.json, JSON.stringify(report, null, 2) + '\n');
        if (o.md) fs.writeFileSync(o.md, gateMarkdown(report));
        console.log(gateText(report));
        process.exitCode = report.exit_code;
      } catch (e) {
        console.error(`evalflow: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(GATE_EXIT_CODES.ERROR);
      }
    });
}
