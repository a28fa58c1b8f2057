import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { TurnResponse } from '../../lib/records/messages';
import { parsePythonCalls, type ParsedCallFull } from '../../benchmarks/bfcl/parse';
import {
  MAXIMUM_STEP_LIMIT,
  MULTI_TURN_DOC_FILES,
  MULTI_TURN_MAX_CALLS,
  buildMultiTurnItem,
  executionString,
  multiTurnRequest,
  scoreMultiTurn,
  type MultiTurnItem,
  type MultiTurnMode,
} from '../../benchmarks/bfcl/multi-turn/index';
import { Env, paramNames } from '../../benchmarks/bfcl/multi-turn/executor';
import { PyFloat, floatRepr, renderResult, strRepr } from '../../benchmarks/bfcl/multi-turn/pyrepr';

const DATA = join(process.env.EVALFLOW_DATASETS_DIR ?? '/work/shared/datasets', 'bfcl_v4');
const CATEGORIES = ['base', 'long_context', 'miss_func', 'miss_param'];

function jsonLines(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) throw new Error(`BFCL v4 data not found at ${path}: set EVALFLOW_DATASETS_DIR to the directory holding bfcl_v4/`);
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

let docsCache: Record<string, unknown[]> | null = null;
function docs(): Record<string, unknown[]> {
  if (!docsCache) {
    docsCache = {};
    for (const [cls, file] of Object.entries(MULTI_TURN_DOC_FILES)) docsCache[cls] = jsonLines(join(DATA, 'multi_turn_func_doc', file));
  }
  return docsCache;
}

function items(category: string): MultiTurnItem[] {
  const rows = jsonLines(join(DATA, `BFCL_v4_multi_turn_${category}.json`));
  const answers = jsonLines(join(DATA, 'possible_answer', `BFCL_v4_multi_turn_${category}.json`));
  return rows.map((row, i) => {
    assert.equal(answers[i]!.id, row.id);
    return buildMultiTurnItem(row, answers[i]!.ground_truth, docs());
  });
}

/** Ground-truth calls with positional arguments turned into keywords (what a model would send). */
function keywordCalls(item: MultiTurnItem, turn: string[]): ParsedCallFull[] {
  return turn
    .flatMap((s) => parsePythonCalls(s))
    .map((c) => {
      const names = paramNames(item.involved_classes, c.name)!;
      const args: Record<string, unknown> = {};
      c.positional.forEach((v, i) => (args[names[i]!] = v));
      return { name: c.name, args: { ...args, ...c.args }, positional: [] };
    });
}

/** The ground truth as the model's replies: per turn one reply with all calls, then a text reply. */
function groundTruthReplies(item: MultiTurnItem, mode: MultiTurnMode, gt = item.ground_truth): TurnResponse[] {
  const out: TurnResponse[] = [];
  let id = 0;
  for (const turn of gt) {
    if (turn.length > 0) {
      const calls = keywordCalls(item, turn);
      if (mode === 'native') out.push({ content: '', tool_calls: calls.map((c) => ({ id: `call_${id++}`, type: 'function' as const, function: { name: c.name, arguments: JSON.stringify(c.args) } })) });
      else out.push({ content: '[' + calls.map(executionString).join(', ') + ']' });
    }
    out.push({ content: 'Done.' });
  }
  return out;
}

describe('bfcl multi-turn pyrepr', () => {
  it("renders Python float repr, str repr and json.dumps as BFCL's executor shows results", () => {
    assert.equal(floatRepr(1e16), '1e+16');
    assert.equal(floatRepr(1e-5), '1e-05');
    assert.equal(floatRepr(2), '2.0');
    assert.equal(floatRepr(0.1 + 0.2), '0.30000000000000004');
    assert.equal(strRepr("it's"), `"it's"`);
    assert.equal(strRepr('a\nb'), `'a\\nb'`);
    assert.equal(renderResult(new Map<string, unknown>([['a', 1], ['b', new PyFloat(2)], ['c', [true, null]], ['d', 'é']])), '{"a": 1, "b": 2.0, "c": [true, null], "d": "\\u00e9"}');
    assert.equal(renderResult([new Map([['x', 'y']])]), "[{'x': 'y'}]");
    assert.equal(renderResult(null), 'None');
  });
});

describe('bfcl multi-turn simulated APIs', () => {
  const call = (s: string) => parsePythonCalls(s)[0]!;

  it('GorillaFileSystem: navigation, files, errors', () => {
    const env = new Env(['GorillaFileSystem'], { GorillaFileSystem: { root: { alex: { type: 'directory', contents: { docs: { type: 'directory', contents: { 'a.txt': { type: 'file', content: 'b line\na line\nbudget x' } } } } } } } }, false);
    assert.equal(env.execute(call('pwd()')), '{"current_working_directory": "/alex"}');
    assert.equal(env.execute(call("cd(folder='docs')")), '{"current_working_directory": "docs"}');
    assert.equal(env.execute(call("sort(file_name='a.txt')")), '{"sorted_content": "a line\\nb line\\nbudget x"}');
    assert.equal(env.execute(call("grep(file_name='a.txt', pattern='budget')")), '{"matching_lines": ["budget x"]}');
    assert.equal(env.execute(call("wc(file_name='a.txt', mode='w')")), '{"count": 6, "type": "words"}');
    assert.equal(env.execute(call("mkdir(dir_name='t')")), 'None');
    assert.equal(env.execute(call("mkdir(dir_name='t')")), `{"error": "mkdir: cannot create directory 't': File exists"}`);
    assert.equal(env.execute(call("mv(source='a.txt', destination='t')")), `{"result": "'a.txt' moved to 't/a.txt'"}`);
    assert.equal(env.execute(call("cat(file_name='a.txt')")), '{"error": "cat: a.txt: No such file or directory"}');
    assert.equal(env.execute(call("cd(folder='x/y')")), '{"error": "cd: x/y: Unsupported path. Only one folder level at a time is supported."}');
    assert.equal(env.execute(call('ls()')), '{"current_directory_content": ["t"]}');
  });

  it('executor: Python argument errors, unknown and refused functions', () => {
    const env = new Env(['GorillaFileSystem'], {}, false);
    assert.equal(env.execute(call('cd()')), "Error during execution: GorillaFileSystem.cd() missing 1 required positional argument: 'folder'");
    assert.equal(env.execute(call("cd(path='x')")), "Error during execution: GorillaFileSystem.cd() got an unexpected keyword argument 'path'");
    assert.equal(env.execute(call('frobnicate(x=1)')), "Error during execution: name 'frobnicate' is not defined");
    assert.equal(env.execute(call('exit()')), 'Error during execution: Function call exit is not allowed.');
    assert.equal(env.execute(call("diff(file_name1='a')")), "Error during execution: GorillaFileSystem.diff() missing 1 required positional argument: 'file_name2'");
  });

  it('MathAPI: arithmetic, Decimal square root, errors', () => {
    const env = new Env(['MathAPI'], {}, false);
    assert.equal(env.execute(call('add(a=2, b=3)')), '{"result": 5}');
    assert.equal(env.execute(call('divide(a=1, b=0)')), '{"error": "Cannot divide by zero"}');
    assert.equal(env.execute(call('mean(numbers=[1, 2])')), '{"result": 1.5}');
    assert.equal(env.execute(call('square_root(number=2, precision=5)')), "{'result': Decimal('1.4142')}");
    assert.equal(env.execute(call('square_root(number=18, precision=20)')), "{'result': Decimal('4.2426406871192851464')}");
    assert.equal(env.execute(call('round_number(number=2.675, decimal_places=2)')), '{"result": 2.67}');
    assert.equal(env.execute(call('mean(numbers=[])')), '{"error": "Cannot calculate mean of an empty list"}');
  });

  it('MessageAPI: login required, seeded message ids', () => {
    const env = new Env(['MessageAPI'], { MessageAPI: {} }, false);
    assert.equal(env.execute(call("send_message(receiver_id='USR002', message='hi')")), '{"error": "No user is currently logged in."}');
    env.execute(call("message_login(user_id='USR001')"));
    // random.Random(200191).randint(10000, 99999) == 67410
    assert.equal(env.execute(call("send_message(receiver_id='USR002', message='hi')")), `{"sent_status": true, "message_id": {"new_id": 67410}, "message": "Message sent to 'USR002' successfully."}`);
    assert.equal(env.execute(call("get_user_id(user='Zed')")), `{"error": "User 'Zed' not found in the workspace."}`);
  });

  it('TwitterAPI and TicketAPI: authentication and creation', () => {
    const env = new Env(['TwitterAPI', 'TicketAPI'], { TwitterAPI: { username: 'u', password: 'p', tweets: {}, tweet_counter: 5 } }, false);
    assert.equal(env.execute(call("post_tweet(content='x')")), '{"error": "User not authenticated. Please authenticate before posting."}');
    env.execute(call("authenticate_twitter(username='u', password='p')"));
    assert.equal(env.execute(call("post_tweet(content='x', tags=['#t'])")), '{"id": 5, "username": "u", "content": "x", "tags": ["#t"], "mentions": []}');
    assert.equal(env.execute(call('get_tweet(tweet_id=9)')), '{"error": "Tweet with ID 9 not found."}');
    assert.equal(env.execute(call("create_ticket(title='t')")), '{"error": "User not authenticated. Please log in to create a ticket."}');
    env.execute(call("ticket_login(username='me', password='pw')"));
    assert.equal(env.execute(call("create_ticket(title='t', priority=6)")), '{"error": "Invalid priority. Priority must be between 1 and 5."}');
    assert.equal(env.execute(call("create_ticket(title='t', priority=2)")), '{"id": 1, "title": "t", "description": "", "status": "Open", "priority": 2, "created_by": "me"}');
  });

  it('TradingBot and TravelAPI: seeded ids, float() results, errors', () => {
    const env = new Env(['TradingBot', 'TravelAPI'], { TradingBot: {}, TravelAPI: { credit_card_list: { c1: { card_number: '1', balance: 5000 } }, access_token: 'tok', token_expires_in: 2 } }, false);
    assert.equal(env.execute(call("place_order(order_type='Buy', symbol='AAPL', price=100, amount=2)")), '{"error": "User not authenticated. Please log in to place an order."}');
    env.execute(call("trading_login(username='a', password='b')"));
    assert.equal(env.execute(call("place_order(order_type='Buy', symbol='AAPL', price=100, amount=2)")), '{"order_id": 12446, "order_type": "Buy", "status": "Pending", "price": 100.0, "amount": 2}');
    assert.equal(env.execute(call("get_flight_cost(travel_from='SFO', travel_to='LAX', travel_date='2024-11-15', travel_class='economy')")), '{"travel_cost_list": [400.0]}');
    assert.equal(env.execute(call("get_flight_cost(travel_from='SFO', travel_to='XXX', travel_date='2024-11-15', travel_class='economy')")), 'Error during execution: No available route for the given airports.');
    // random.Random(141053): randint(1000000, 9999999) == 3426812 (the ground truth cancels this booking id)
    assert.match(env.execute(call("book_flight(access_token='tok', card_id='c1', travel_date='2024-11-15', travel_from='SFO', travel_to='LAX', travel_class='economy')")), /"booking_id": "3426812"/);
  });

  it('VehicleControlAPI: engine start preconditions', () => {
    const env = new Env(['VehicleControlAPI'], { VehicleControlAPI: { fuelLevel: 10.0 } }, false);
    assert.equal(env.execute(call("startEngine(ignitionMode='START')")), '{"error": "All doors must be locked before starting the engine. Here are the unlocked doors: driver, passenger, rear_left, rear_right"}');
    env.execute(call("lockDoors(unlock=False, door=['driver', 'passenger', 'rear_left', 'rear_right'])"));
    assert.equal(env.execute(call("startEngine(ignitionMode='START')")), '{"error": "Brake pedal needs to be pressed when starting the engine."}');
    assert.equal(env.execute(call('pressBrakePedal(pedalPosition=1.0)')), '{"brakePedalStatus": "pressed", "brakePedalForce": 1000.0}');
    assert.equal(env.execute(call("startEngine(ignitionMode='START')")), '{"engineState": "running", "fuelLevel": 10, "batteryVoltage": 12.6}');
    assert.equal(env.execute(call("lockDoors(unlock=False, door=['trunk'])")), "Error during execution: 'trunk'");
  });
});

describe('bfcl multi-turn conversation and checker (real data)', () => {
  const base0 = () => items('base')[0]!;

  it('builds items with docs, ground truth and flags; rejects malformed rows', () => {
    const item = base0();
    assert.equal(item.id, 'multi_turn_base_0');
    assert.equal(item.category, 'multi_turn_base');
    assert.equal(item.long_context, false);
    assert.ok(item.functions.some((f) => f.name === 'mv'));
    assert.ok(!item.functions.some((f) => f.name === 'cp'), 'excluded_function cp is not offered');
    assert.equal(MULTI_TURN_MAX_CALLS, 8 * (MAXIMUM_STEP_LIMIT + 1));
    assert.throws(() => buildMultiTurnItem({ id: 'x_1', question: 'no' }, [], docs()), /"question" must be a non-empty list/);
    assert.throws(() => buildMultiTurnItem({ id: 'x_1', question: [[]], involved_classes: ['Nope'] }, [[]], docs()), /unknown involved class "Nope"/);
    assert.throws(() => buildMultiTurnItem({ id: 'x_1', question: [[{ role: 'user', content: 'a' }]], involved_classes: ['MathAPI'] }, [['add(a=1']], docs()), /does not parse/);
  });

  for (const mode of ['native', 'prompt'] as const) {
    it(`multi_turn_base_0: ground truth as replies scores correct (${mode}); a wrong call fails its turn`, () => {
      const item = base0();
      const good = groundTruthReplies(item, mode);
      assert.equal(multiTurnRequest(item, good, mode), null, 'all turns done');
      const s = scoreMultiTurn(item, good, mode);
      assert.equal(s.correct, true, JSON.stringify(s.details));
      assert.equal(s.predicted, '10 calls over 4 turns');
      // Turn 2 sorts the wrong file: state is the same but the sort result is missing → turn 2 fails.
      const gt = item.ground_truth.map((t) => [...t]);
      gt[2] = ["sort(file_name='previous_report.pdf')"];
      const bad = scoreMultiTurn(item, groundTruthReplies(item, mode, gt), mode);
      assert.equal(bad.correct, false);
      assert.equal(bad.details!.turn, 2);
      assert.equal(bad.details!.error_type, 'multi_turn:execution_response_mismatch');
      // Turn 0 creates the wrong directory: state mismatch at turn 0.
      const gt0 = item.ground_truth.map((t) => [...t]);
      gt0[0] = ["cd(folder='document')", "mkdir(dir_name='tmp')", "mv(source='final_report.pdf', destination='tmp')"];
      const bad0 = scoreMultiTurn(item, groundTruthReplies(item, mode, gt0), mode);
      assert.equal(bad0.details!.turn, 0);
      assert.equal(bad0.details!.error_type, 'multi_turn:instance_state_mismatch');
      // No calls at all.
      const none = scoreMultiTurn(item, item.question.map(() => ({ content: 'I will not.' })), mode);
      assert.equal(none.correct, false);
      assert.equal(none.predicted, null);
      assert.equal(none.details!.error_type, 'multi_turn:empty_turn_model_response');
    });
  }

  it('every entry of the four multi-turn files scores correct with its ground truth as replies', () => {
    const failures: string[] = [];
    let total = 0;
    for (const cat of CATEGORIES) {
      for (const item of items(cat)) {
        for (const mode of ['native', 'prompt'] as const) {
          total++;
          const s = scoreMultiTurn(item, groundTruthReplies(item, mode), mode);
          if (!s.correct) failures.push(`${item.id} (${mode}): ${JSON.stringify(s.details).slice(0, 200)}`);
        }
      }
    }
    assert.equal(total, 1600);
    assert.deepEqual(failures, []);
  });

  it('every ground-truth call of the four files executes without an execution error', () => {
    const errors: string[] = [];
    for (const cat of CATEGORIES) {
      for (const item of items(cat)) {
        const env = new Env(item.involved_classes, item.initial_config, item.long_context);
        for (const turn of item.ground_truth) for (const s of turn) for (const c of parsePythonCalls(s)) {
          const r = env.execute(c);
          if (r.startsWith('Error during execution')) errors.push(`${item.id}: ${s} → ${r}`);
        }
      }
    }
    assert.deepEqual(errors.slice(0, 5), []);
  });

  it('multiTurnRequest is deterministic and replays results into the history', () => {
    const item = items('long_context')[0]!;
    const replies = groundTruthReplies(item, 'native').slice(0, 3);
    const a = multiTurnRequest(item, replies, 'native');
    const b = multiTurnRequest(item, replies, 'native');
    assert.deepEqual(a, b);
    assert.ok(a!.tools && a!.tools.length > 0);
    const tool = a!.messages.find((m) => m.role === 'tool');
    assert.ok(tool && tool.tool_call_id === 'call_0');
    const p1 = multiTurnRequest(item, groundTruthReplies(item, 'prompt').slice(0, 1), 'prompt')!;
    assert.equal(p1.tools, undefined);
    assert.equal(p1.messages[0]!.role, 'system');
    assert.match(p1.messages[0]!.content, /Here is a list of functions in json format that you can invoke\.\n\[/);
    assert.match(p1.messages[p1.messages.length - 1]!.content, /^\[\{'role': 'tool', 'name': /);
  });

  it('miss_func: held-out functions are offered from their turn, with the BFCL user message', () => {
    const item = items('miss_func')[0]!;
    assert.deepEqual(Object.keys(item.missed_function), ['3']);
    assert.ok(!item.functions.some((f) => f.name === 'sort'));
    const replies: TurnResponse[] = [];
    const first = multiTurnRequest(item, replies, 'native')!;
    assert.ok(!first.tools!.some((t) => t.function.name === 'sort'));
    for (let t = 0; t < 3; t++) replies.push({ content: 'no calls' });
    const atHoldout = multiTurnRequest(item, replies, 'native')!;
    assert.ok(atHoldout.tools!.some((t) => t.function.name === 'sort'));
    assert.equal(atHoldout.messages[atHoldout.messages.length - 1]!.content, 'I have updated some more functions you can choose from. What about now?');
    const prompt = multiTurnRequest(item, replies, 'prompt')!;
    const last = prompt.messages[prompt.messages.length - 1]!.content;
    assert.match(last, /^\[\{'name': 'sort', /);
    assert.match(last, /\nI have updated some more functions you can choose from\. What about now\?$/);
  });

  it('step limit: more than 20 steps in a turn force-quits the entry', () => {
    const item = base0();
    const step: TurnResponse = { content: '', tool_calls: [{ id: 'c', type: 'function', function: { name: 'pwd', arguments: '{}' } }] };
    const twenty = Array.from({ length: MAXIMUM_STEP_LIMIT }, () => step);
    assert.notEqual(multiTurnRequest(item, twenty, 'native'), null, 'a 21st step is still allowed');
    const tooMany = [...twenty, step];
    assert.equal(multiTurnRequest(item, tooMany, 'native'), null);
    const s = scoreMultiTurn(item, tooMany, 'native');
    assert.equal(s.correct, false);
    assert.equal(s.details!.error_type, 'multi_turn:force_terminated');
    // 20 steps then a text reply moves on to turn 1
    const next = multiTurnRequest(item, [...twenty, { content: 'done' }], 'native')!;
    assert.equal(next.messages[next.messages.length - 1]!.content, item.question[1]![0]!.content);
  });
});
