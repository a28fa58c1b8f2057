/**
 * A scripted function-calling "model" for BFCL tests (NOT a language model):
 * it answers real BFCL v4 items from their possible answers, as native tool
 * calls or as prompt-mode Python call syntax, right or wrong as the test
 * plans, and plays multi-turn conversations turn by turn (calls, then a
 * sentence once the tool results are back). Also writes the items to a
 * private dataset directory in BFCL's layout.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePythonCalls } from '../../benchmarks/bfcl/parse';
import { RUN_CATEGORIES } from '../../benchmarks/bfcl/categories';
import type { FakeReply, FakeRequest } from '../../lib/operator/scripted-endpoint';

type Row = Record<string, unknown> & { id: string; question: { role: string; content: string }[][] };
type Answer = { id: string; ground_truth: unknown };
/** category → item id → how the model answers it. */
export type BfclPlan = Record<string, Record<string, 'right' | 'wrong'>>;

function readLines<T>(file: string): T[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/** A value the possible answer allows (the first non-empty choice of each parameter). */
function callsFromAnswer(answer: unknown): { name: string; args: Record<string, unknown> }[] {
  return (answer as Record<string, Record<string, unknown[]>>[]).map((call) => {
    const [name, params] = Object.entries(call)[0]!;
    const args: Record<string, unknown> = {};
    for (const [k, allowed] of Object.entries(params)) {
      const v = allowed.find((x) => x !== '');
      if (v !== undefined) args[k] = v;
    }
    return { name, args };
  });
}

const py = (v: unknown): string =>
  typeof v === 'string' ? `'${v}'` : Array.isArray(v) ? `[${v.map(py).join(', ')}]` : v === true ? 'True' : v === false ? 'False' : String(v);

/**
 * The BFCL categories a test does not use, as empty files (data and answers) in
 * `bfclDir` (a dataset directory's bfcl_v4/): the module wants a complete copy of BFCL's data.
 */
export function writeEmptyCategories(bfclDir: string, except: readonly string[]): void {
  fs.mkdirSync(path.join(bfclDir, 'possible_answer'), { recursive: true });
  for (const category of RUN_CATEGORIES.filter((c) => !except.includes(c))) {
    fs.writeFileSync(path.join(bfclDir, `BFCL_v4_${category}.json`), '');
    fs.writeFileSync(path.join(bfclDir, 'possible_answer', `BFCL_v4_${category}.json`), '');
  }
}

export interface BfclModel {
  /** The dataset directory to give the task as dataset_dir. */
  dataDir: string;
  answer(req: FakeRequest): FakeReply;
  /** The ground truth (per-turn call strings) of a multi-turn item. */
  groundTruth(id: string): string[][];
}

/** Copy the planned items (and the other categories' files, empty) from the real BFCL data into `dataDir`. */
export function bfclModel(sourceDir: string, dataDir: string, plan: BfclPlan): BfclModel {
  const dir = path.join(dataDir, 'bfcl_v4');
  fs.mkdirSync(path.join(dir, 'possible_answer'), { recursive: true });
  fs.cpSync(path.join(sourceDir, 'multi_turn_func_doc'), path.join(dir, 'multi_turn_func_doc'), { recursive: true });
  const byPrompt = new Map<string, { id: string; category: string; answer: unknown }>();
  for (const [category, items] of Object.entries(plan)) {
    const rows = readLines<Row>(path.join(sourceDir, `BFCL_v4_${category}.json`)).filter((r) => r.id in items);
    if (rows.length !== Object.keys(items).length) throw new Error(`bfclModel: not every planned ${category} item exists in ${sourceDir}`);
    fs.writeFileSync(path.join(dir, `BFCL_v4_${category}.json`), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const answerFile = path.join(sourceDir, 'possible_answer', `BFCL_v4_${category}.json`);
    const answers = fs.existsSync(answerFile) ? readLines<Answer>(answerFile).filter((a) => a.id in items) : [];
    if (answers.length) fs.writeFileSync(path.join(dir, 'possible_answer', `BFCL_v4_${category}.json`), answers.map((a) => JSON.stringify(a)).join('\n') + '\n');
    for (const r of rows) {
      byPrompt.set(r.question[0]!.find((m) => m.role === 'user')!.content, { id: r.id, category, answer: answers.find((a) => a.id === r.id)?.ground_truth });
    }
  }
  writeEmptyCategories(dir, Object.keys(plan));

  const toolName = (name: string) => name.replace(/\./g, '_');
  return {
    dataDir,
    groundTruth(id: string) {
      const item = [...byPrompt.values()].find((v) => v.id === id);
      if (!item) throw new Error(`bfclModel: no item ${id}`);
      return item.answer as string[][];
    },
    answer(req: FakeRequest): FakeReply {
      const msgs = req.messages ?? [];
      const first = msgs.find((m) => m.role === 'user')?.content ?? '';
      const item = byPrompt.get(first);
      if (!item) return { content: 'not a prompt of this test' };
      const how = plan[item.category]![item.id]!;
      const promptMode = !req.body.tools;
      const reply = (calls: { name: string; args: Record<string, unknown> }[]): FakeReply => {
        if (!promptMode) return { content: '', tool_calls: calls.map((c) => ({ name: toolName(c.name), arguments: JSON.stringify(c.args) })) };
        return { content: `[${calls.map((c) => `${c.name}(${Object.entries(c.args).map(([k, v]) => `${k}=${py(v)}`).join(', ')})`).join(', ')}]` };
      };
      if (item.category.startsWith('multi_turn')) {
        const gt = item.answer as string[][];
        const last = msgs[msgs.length - 1]!;
        // After the tool results of a turn: answer in words, which ends the turn.
        const isResults = (m: { role: string; content: string }) => m.role === 'tool' || (promptMode && m.role === 'user' && m.content.startsWith('['));
        if (isResults(last)) return { content: 'Done.' };
        const turn = msgs.filter((m) => m.role === 'user' && !isResults(m)).length - 1;
        if (how === 'wrong' && turn === 1) return { content: 'I would rather not.' };
        return reply(gt[turn]!.flatMap((s) => parsePythonCalls(s)).map((c) => ({ name: c.name, args: c.args })));
      }
      if (item.category.endsWith('irrelevance')) {
        if (how === 'right') return { content: 'None of the functions can do that.' };
        const tool = (req.body.tools as { function: { name: string } }[] | undefined)?.[0]?.function.name ?? 'determine_body_mass_index';
        return reply([{ name: tool, args: { weight: 70, height: 1.75 } }]);
      }
      const calls = callsFromAnswer(item.answer);
      if (how === 'wrong') calls[0]!.args = Object.fromEntries(Object.entries(calls[0]!.args).map(([k, v]) => [k, typeof v === 'number' ? v + 1 : v]));
      return reply(calls);
    },
  };
}
