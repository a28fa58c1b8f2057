/**
 * Long-context filler. BFCL's long_context.py is a large hand-made data file
 * (file contents, hundreds of extra file names, watch-list symbols, booking
 * records, …) appended by the APIs when `long_context` is set. Rather than
 * copy that data, this module generates filler of the same shapes and of
 * comparable size deterministically (CPython Mersenne Twister, fixed seed).
 * The checker executes model and ground truth against the same filler, so
 * scoring does not depend on its exact text; what the model reads differs from
 * the reference's filler.
 *
 * FILES_TAIL_USED is not filler but configuration (files whose tail a question
 * asks about, so their content is not extended); it is the reference's list.
 */

import { PythonRandom } from '../../../families/python/random';

const WORDS = (
  'quarterly revenue growth margin operating expense capital structure liquidity forecast ' +
  'analysis segment review outlook strategy customer retention supply chain inventory ' +
  'turnover headcount investment portfolio risk exposure compliance audit governance ' +
  'projection baseline variance target allocation budget reserve dividend equity debt ' +
  'maturity coverage ratio efficiency benchmark initiative roadmap milestone deliverable'
).split(' ');

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function pick<T>(rng: PythonRandom, xs: readonly T[]): T {
  return xs[rng.randbelow(xs.length)]!;
}

function random01(rng: PythonRandom): number {
  // random.random(): 53-bit float from two 32-bit outputs
  const a = rng.nextUint32() >>> 5;
  const b = rng.nextUint32() >>> 6;
  return (a * 67108864 + b) / 9007199254740992;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function sentence(rng: PythonRandom): string {
  const n = 8 + rng.randbelow(10);
  const ws: string[] = [];
  for (let i = 0; i < n; i++) ws.push(pick(rng, WORDS));
  const s = ws.join(' ');
  return s[0]!.toUpperCase() + s.slice(1) + '.';
}

function symbol(rng: PythonRandom): string {
  const n = 1 + rng.randbelow(5);
  let s = '';
  for (let i = 0; i < n; i++) s += UPPER[rng.randbelow(26)];
  return s;
}

function stamp(rng: PythonRandom): string {
  const day = new Date(Date.UTC(2023, 8, 1) + rng.randbelow(365) * 86400000 + rng.randbelow(86400) * 1000);
  const p = (x: number, w = 2) => String(x).padStart(w, '0');
  return `${day.getUTCFullYear()}-${p(day.getUTCMonth() + 1)}-${p(day.getUTCDate())} ${p(day.getUTCHours())}:${p(day.getUTCMinutes())}:${p(day.getUTCSeconds())}.${p(rng.randbelow(1000000), 6)}`;
}

export interface Filler {
  FILE_CONTENT_EXTENSION: string;
  POPULATE_FILE_EXTENSION: string[];
  WATCH_LIST_EXTENSION: string[];
  TRANSACTION_HISTORY_EXTENSION: { type: string; amount: number; timestamp: string }[];
  MA_5_EXTENSION: number[];
  MA_20_EXTENSION: number[];
  TECHNOLOGY_EXTENSION: string[];
  AUTOMOBILE_EXTENSION: string[];
  ORDER_DETAIL_EXTENSION: [string, string][];
  CAR_STATUS_METADATA_EXTENSION: Record<string, unknown>;
  INTERMEDIARY_CITIES: string[];
  LONG_WEATHER_EXTENSION: Record<string, unknown>;
  PARKING_BRAKE_INSTRUCTION: string;
  BOOKING_RECORD_EXTENSION: [string, Record<string, unknown>][];
  CREDIT_CARD_EXTENSION: [string, Record<string, unknown>][];
}

/** long_context.py FILES_TAIL_USED (reference list). */
export const FILES_TAIL_USED: readonly string[] = ['log.txt', 'report.txt', 'report.csv', 'DataSet1.csv', 'file1.txt', 'finance_report.txt', 'config.py', 'Q4_summary.doc', 'file3.txt'];

/**
 * long_context.py POPULATE_FILE_EXTENSION: the empty files added to every
 * innermost directory. Not filler: the v4 ground truth names them (e.g.
 * multi_turn_long_context_38/46 remove them one by one), so the reference's
 * names and order are kept.
 */
export const POPULATE_FILE_NAMES: readonly string[] = [
  'image_344822349461074042.jpg',
  'image_8219547643081662353.jpg',
  'image_5421509146842474663.jpg',
  'image_185391401034246046.jpg',
  'image_6824007961180780019.jpg',
  'image_2994974694593273051.jpg',
  'image_2537728455072851196.jpg',
  'image_2164918946836800275.jpg',
  'image_1745133864906284051.jpg',
  'image_7707563551789432679.jpg',
  'image_8190489168166590809.jpg',
  'image_2385660725381355820.jpg',
  'image_4771211633166048374.jpg',
  'image_3443718094055823214.jpg',
  'image_6838087561356843690.jpg',
  'image_605952633285970710.jpg',
  'image_6341510244180179744.jpg',
  'image_4119241148692325954.jpg',
  'image_5651066601163181955.jpg',
  'image_3747091333751395055.jpg',
  'image_4623743619379194431.jpg',
  'image_5072742684386583099.jpg',
  'image_1978458056362464778.jpg',
  'image_3090346927968358019.jpg',
  'image_7193806748674265039.jpg',
  'image_7169516574395086720.jpg',
  'image_8618240224293913315.jpg',
  'image_5514683852355062444.jpg',
  'image_8749630317332649147.jpg',
  'image_1912245706439755759.jpg',
];

let cached: Filler | null = null;

export function filler(): Filler {
  if (cached) return cached;
  const rng = new PythonRandom(20240901);
  const paragraphs: string[] = [];
  for (let i = 0; i < 40; i++) paragraphs.push(sentence(rng));
  const FILE_CONTENT_EXTENSION = ' ' + paragraphs.join(' ');
  const POPULATE_FILE_EXTENSION = [...POPULATE_FILE_NAMES];
  const WATCH_LIST_EXTENSION: string[] = [];
  for (let i = 0; i < 800; i++) WATCH_LIST_EXTENSION.push(symbol(rng));
  const TRANSACTION_HISTORY_EXTENSION = [];
  for (let i = 0; i < 150; i++) {
    TRANSACTION_HISTORY_EXTENSION.push({ type: rng.randbelow(2) ? 'deposit' : 'withdrawal', amount: round2(100 + random01(rng) * 9900), timestamp: stamp(rng) });
  }
  const MA_5_EXTENSION: number[] = [];
  const MA_20_EXTENSION: number[] = [];
  for (let i = 0; i < 200; i++) {
    MA_5_EXTENSION.push(round2(200 + random01(rng) * 50));
    MA_20_EXTENSION.push(round2(200 + random01(rng) * 50));
  }
  const TECHNOLOGY_EXTENSION = ['AAPL', 'GOOG', 'MSFT', 'NVDA'];
  for (let i = 0; i < 200; i++) TECHNOLOGY_EXTENSION.push(symbol(rng));
  const AUTOMOBILE_EXTENSION = ['TSLA', 'F', 'GM'];
  for (let i = 0; i < 200; i++) AUTOMOBILE_EXTENSION.push(symbol(rng));
  const ORDER_DETAIL_EXTENSION: [string, string][] = [];
  for (let i = 0; i < 25; i++) ORDER_DETAIL_EXTENSION.push([`note_${i + 1}`, `{symbol}: ${sentence(rng)} ${sentence(rng)}`]);
  const CAR_STATUS_METADATA_EXTENSION: Record<string, unknown> = {};
  for (let i = 0; i < 40; i++) CAR_STATUS_METADATA_EXTENSION[`spec_${i + 1}`] = sentence(rng);
  const INTERMEDIARY_CITIES: string[] = [];
  for (let i = 0; i < 300; i++) INTERMEDIARY_CITIES.push(`${pick(rng, ['North', 'South', 'East', 'West', 'New', 'Old', 'Upper', 'Lower'])} ${symbol(rng)}ville`);
  const LONG_WEATHER_EXTENSION: Record<string, unknown> = {};
  for (let i = 0; i < 60; i++) LONG_WEATHER_EXTENSION[`station_${i + 1}`] = { humidity: round2(random01(rng) * 100), windSpeed: round2(random01(rng) * 40), report: sentence(rng) };
  const PARKING_BRAKE_INSTRUCTION = Array.from({ length: 60 }, () => sentence(rng)).join(' ');
  const BOOKING_RECORD_EXTENSION: [string, Record<string, unknown>][] = [];
  const airports = ['RMS', 'SBK', 'MPC', 'SVP', 'SHD', 'SSV', 'OKD', 'WLB', 'CRH', 'ATV', 'PHV', 'GFD', 'SFO', 'LAX', 'JFK', 'ORD', 'BOS'];
  const CREDIT_CARD_EXTENSION: [string, Record<string, unknown>][] = [];
  for (let i = 0; i < 30; i++) {
    let id = String(1 + rng.randbelow(9));
    for (let j = 0; j < 11; j++) id += String(rng.randbelow(10));
    let number = String(4 + rng.randbelow(2));
    for (let j = 0; j < 15; j++) number += String(rng.randbelow(10));
    CREDIT_CARD_EXTENSION.push([id, { card_number: number, expiration_date: `${String(1 + rng.randbelow(12)).padStart(2, '0')}/20${26 + rng.randbelow(6)}`, cardholder_name: `Holder ${symbol(rng)}`, card_verification_number: 100 + rng.randbelow(900), balance: round2(1000 + random01(rng) * 49000) }]);
  }
  for (let i = 0; i < 120; i++) {
    let id = String(1 + rng.randbelow(9));
    for (let j = 0; j < 6; j++) id += String(rng.randbelow(10));
    const card = CREDIT_CARD_EXTENSION[rng.randbelow(CREDIT_CARD_EXTENSION.length)]![0];
    BOOKING_RECORD_EXTENSION.push([id, { card_id: card, travel_date: `2024-${String(1 + rng.randbelow(12)).padStart(2, '0')}-${String(1 + rng.randbelow(28)).padStart(2, '0')}`, travel_from: pick(rng, airports), travel_to: pick(rng, airports), travel_class: pick(rng, ['economy', 'business', 'first']), travel_cost: round2(100 + random01(rng) * 2000), transaction_id: String(10000000 + rng.randbelow(90000000)) }]);
  }
  cached = {
    FILE_CONTENT_EXTENSION,
    POPULATE_FILE_EXTENSION,
    WATCH_LIST_EXTENSION,
    TRANSACTION_HISTORY_EXTENSION,
    MA_5_EXTENSION,
    MA_20_EXTENSION,
    TECHNOLOGY_EXTENSION,
    AUTOMOBILE_EXTENSION,
    ORDER_DETAIL_EXTENSION,
    CAR_STATUS_METADATA_EXTENSION,
    INTERMEDIARY_CITIES,
    LONG_WEATHER_EXTENSION,
    PARKING_BRAKE_INSTRUCTION,
    BOOKING_RECORD_EXTENSION,
    CREDIT_CARD_EXTENSION,
  };
  return cached;
}

export { random01 };
