/**
 * One error model (lib/records/errors.ts): every error evalflow raises on
 * purpose is an EvalflowError with a kind and a retryable flag, its name is its
 * class name (Temporal uses it as the failure type), and the one list of
 * non-retryable failure types agrees with the flags.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EvalflowError, NON_RETRYABLE_TYPES } from '../../lib/records/errors';
import { ConfigError } from '../../lib/config/load';
import { StoreAccessError, StoreUnavailableError } from '../../lib/engine/store';
import { PermanentEndpointError, TransientEndpointError } from '../../lib/engine/endpoint';
import { DatasetError } from '../../lib/engine/datasets';
import { MathGraderError, MathGraderSetupError } from '../../lib/engine/math/verify';
import { SandboxError } from '../../lib/engine/sandbox/types';
import { CompareError } from '../../lib/analysis/compare';
import { ExportError } from '../../lib/analysis/export';
import { PolicyError } from '../../lib/analysis/gate';
import { MlflowError } from '../../lib/analysis/mlflow';
import { ReportError } from '../../lib/analysis/report';
import { BenchmarkModuleError } from '../../lib/plan/custom-benchmarks';
import { BinaryInstallError } from '../../lib/operator/infra/binaries';
import { PortInUseError } from '../../lib/operator/infra/dev';
import { UsageError } from '../../lib/operator/client';

const cases: [EvalflowError, string, EvalflowError['kind'], boolean][] = [
  [new ConfigError('x', 'a.b'), 'ConfigError', 'config', false],
  [new StoreAccessError('x'), 'StoreAccessError', 'store', false],
  [new StoreUnavailableError('x'), 'StoreUnavailableError', 'store', true],
  [new PermanentEndpointError('x', 401), 'PermanentEndpointError', 'endpoint', false],
  [new TransientEndpointError('x', 3), 'TransientEndpointError', 'endpoint', true],
  [new DatasetError('x'), 'DatasetError', 'dataset', false],
  [new DatasetError('x', false), 'DatasetError', 'dataset', true],
  [new MathGraderSetupError('x'), 'MathGraderSetupError', 'setup', false],
  [new MathGraderError('x'), 'MathGraderError', 'grader', true],
  [new SandboxError('x'), 'SandboxError', 'sandbox', true],
  [new CompareError('x'), 'CompareError', 'analysis', false],
  [new ExportError('x'), 'ExportError', 'analysis', false],
  [new PolicyError('x'), 'PolicyError', 'config', false],
  [new MlflowError('x'), 'MlflowError', 'analysis', false],
  [new ReportError('x'), 'ReportError', 'analysis', false],
  [new BenchmarkModuleError('x'), 'BenchmarkModuleError', 'config', false],
  [new BinaryInstallError('x', 'minio'), 'BinaryInstallError', 'setup', false],
  [new PortInUseError('x', 9000), 'PortInUseError', 'setup', false],
  [new UsageError('x'), 'UsageError', 'input', false],
];

for (const [e, name, kind, retryable] of cases) {
  test(`${name}: an EvalflowError of kind ${kind}, ${retryable ? '' : 'not '}retryable, named after its class`, () => {
    assert.ok(e instanceof EvalflowError);
    assert.ok(e instanceof Error);
    assert.equal(e.name, name);
    assert.equal(e.kind, kind);
    assert.equal(e.retryable, retryable);
    assert.equal(e.message, 'x');
  });
}

test('the non-retryable failure types agree with the flags: no retryable class is listed, every never-retryable class of the engine is', () => {
  for (const [e] of cases) {
    const alwaysPermanent = cases.filter(([x]) => x.name === e.name).every(([x]) => !x.retryable);
    if (NON_RETRYABLE_TYPES.includes(e.name)) assert.ok(alwaysPermanent, `${e.name} is listed but can be retryable`);
  }
  for (const name of ['ConfigError', 'PermanentEndpointError', 'StoreAccessError', 'MathGraderSetupError']) assert.ok(NON_RETRYABLE_TYPES.includes(name), name);
  assert.ok(!NON_RETRYABLE_TYPES.includes('DatasetError'), 'a Hub outage (a retryable DatasetError) must be retried: its flag decides');
});

test('a cause is kept', () => {
  const cause = new Error('root');
  const e = new EvalflowError('outer', { kind: 'store', retryable: true, cause });
  assert.equal(e.cause, cause);
  assert.equal(e.name, 'EvalflowError');
});
