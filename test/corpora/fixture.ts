/**
 * Reference verdicts derived from a generated corpus (scripts/derive-ns-fixtures.sh):
 * a fixture names the reference (repository, commit, file, function) and the
 * sha256 of the corpus it was derived from, and holds one expected value per
 * corpus entry, in order.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ReferenceFixture<T> {
  reference: { repository: string; commit: string; file: string; function: string; call: string };
  derived_by: string;
  corpus: { generator: string; size: number; sha256: string };
  expected: T[];
}

/** sha256 of a corpus as JSON. */
export function corpusSha256(corpus: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(corpus)).digest('hex');
}

/** Load test/fixtures/<name> and check it was derived from exactly this corpus. */
export function loadReferenceFixture<T>(name: string, corpus: readonly string[]): ReferenceFixture<T> {
  const file = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', name);
  const fixture = JSON.parse(fs.readFileSync(file, 'utf8')) as ReferenceFixture<T>;
  const sha = corpusSha256(corpus);
  if (fixture.corpus.sha256 !== sha || fixture.expected.length !== corpus.length) {
    throw new Error(
      `${file} was derived from another corpus (sha256 ${fixture.corpus.sha256}, ${fixture.expected.length} entries; ` +
        `the generator now gives ${sha}, ${corpus.length}): re-derive it with scripts/derive-ns-fixtures.sh`,
    );
  }
  return fixture;
}
