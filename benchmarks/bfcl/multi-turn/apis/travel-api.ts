/** TravelAPI — reimplements func_source_code/travel_booking.py. */

import { PythonRandom } from '../../../families/python/random';
import { PyException, PyFloat, num, pyArith, pyCompare, pyDeepCopy, pyIn, pyRepr, pyTypeName, toPy, type PyDict } from '../pyrepr';
import { SimApi, cfg } from './base';
import { filler } from './filler';
import { pyRoundFloat } from './math-api';

/** get_flight_cost base_costs, in the reference's order (the long-context cost list follows it). */
const ROUTES =
  'SFO LAX 200,SFO JFK 500,SFO ORD 400,SFO BOS 450,SFO RMS 300,SFO SBK 350,SFO MPC 370,SFO SVP 320,SFO SHD 330,SFO SSV 340,SFO OKD 360,SFO WLB 310,SFO CRH 380,SFO ATV 390,SFO PHV 420,SFO GFD 430,SFO CIA 700,' +
  'LAX SFO 100,LAX JFK 600,LAX ORD 500,LAX BOS 550,LAX RMS 310,LAX SBK 320,LAX MPC 330,LAX SVP 340,LAX SHD 350,LAX SSV 360,LAX OKD 370,LAX WLB 380,LAX CRH 390,LAX ATV 400,LAX PHV 410,LAX GFD 420,LAX HND 430,' +
  'JFK ORD 300,JFK BOS 250,JFK RMS 450,JFK SBK 460,JFK MPC 470,JFK SVP 480,JFK SHD 490,JFK SSV 500,JFK OKD 510,JFK WLB 520,JFK CRH 530,JFK ATV 540,JFK PHV 550,JFK GFD 560,JFK LAX 570,JFK HND 800,JFK PVG 950,JFK PEK 1000,' +
  'ORD LAX 180,ORD BOS 200,ORD RMS 350,ORD SBK 360,ORD MPC 370,ORD SVP 380,ORD SHD 390,ORD SSV 400,ORD OKD 410,ORD WLB 420,ORD CRH 430,ORD ATV 440,ORD PHV 450,ORD GFD 460,' +
  'BOS RMS 400,BOS SBK 410,BOS MPC 420,BOS SVP 430,BOS SHD 440,BOS SSV 450,BOS OKD 460,BOS WLB 470,BOS CRH 480,BOS ATV 490,BOS PHV 500,BOS GFD 510,' +
  'RMS BOS 200,RMS JFK 210,RMS SBK 220,RMS MPC 230,RMS SVP 240,RMS SHD 250,RMS SSV 260,RMS OKD 270,RMS WLB 280,RMS CRH 290,RMS ATV 300,RMS PHV 310,RMS GFD 320,RMS LAX 330,' +
  'SBK MPC 200,SBK SVP 210,SBK SHD 220,SBK SSV 230,SBK OKD 240,SBK WLB 250,SBK CRH 260,SBK ATV 270,SBK PHV 280,SBK GFD 290,' +
  'MPC SVP 210,MPC SHD 220,MPC SSV 230,MPC OKD 240,MPC WLB 250,MPC CRH 260,MPC ATV 270,MPC PHV 280,MPC GFD 290,' +
  'SVP SHD 230,SVP SSV 240,SVP OKD 250,SVP WLB 260,SVP CRH 270,SVP ATV 280,SVP PHV 290,SVP GFD 300,' +
  'SHD SSV 220,SHD OKD 230,SHD WLB 240,SHD CRH 250,SHD ATV 260,SHD PHV 270,SHD GFD 280,' +
  'SSV OKD 240,SSV WLB 250,SSV CRH 260,SSV ATV 270,SSV PHV 280,SSV GFD 290,' +
  'OKD WLB 230,OKD CRH 240,OKD ATV 250,OKD PHV 260,OKD GFD 270,WLB CRH 250,WLB ATV 260,WLB PHV 270,WLB GFD 280,' +
  'CRH ATV 240,CRH PHV 250,CRH GFD 260,CRH SFO 270,CRH RMS 280,CRH HKG 290,CRH JFK 300,ATV PHV 230,ATV GFD 240,PHV GFD 220,LHR CDG 100,OKD LAX 220';
const BASE_COSTS = new Map<string, number>(
  ROUTES.split(',').map((r) => {
    const [a, b, c] = r.split(' ') as [string, string, string];
    return [`${a}|${b}`, Number(c)];
  }),
);

const AIRPORTS = ['RMS', 'SBK', 'MPC', 'SVP', 'SHD', 'CDG', 'LHR', 'SSV', 'OKD', 'WLB', 'PEK', 'HND', 'HKG', 'CIA', 'CRH', 'ATV', 'PHV', 'GFD', 'SFO', 'LAX', 'JFK', 'ORD', 'BOS'];

const AIRPORT_MAP: Record<string, string> = { Rivermist: 'RMS', Stonebrook: 'SBK', Maplecrest: 'MPC', Silverpine: 'SVP', Shadowridge: 'SHD', London: 'LHR', Paris: 'CDG', 'Sunset Valley': 'SSV', Oakendale: 'OKD', Willowbend: 'WLB', 'Crescent Hollow': 'CRH', Autumnville: 'ATV', Pinehaven: 'PHV', Greenfield: 'GFD', 'San Francisco': 'SFO', 'Los Angeles': 'LAX', 'New York': 'JFK', Chicago: 'ORD', Boston: 'BOS', Beijing: 'PEK', 'Hong Kong': 'HKG', Rome: 'CIA', Tokyo: 'HND' };

const EXCHANGE: [string, string, number][] = [['USD', 'RMB', 7], ['USD', 'EUR', 0.8], ['USD', 'JPY', 110], ['USD', 'GBP', 0.7], ['USD', 'CAD', 1.3], ['USD', 'AUD', 1.4], ['USD', 'INR', 70], ['USD', 'RUB', 60], ['USD', 'BRL', 3.8], ['USD', 'MXN', 20]];

/**
 * verify_traveler_information uses `datetime.today()`; a fixed date keeps
 * replays deterministic (TradingBot's CURRENT_TIME day).
 */
const TODAY = { year: 2024, month: 9, day: 1 };

/** CPython getrandbits(k) for any k (32-bit words, least significant first). */
function getrandbitsBig(rng: PythonRandom, k: number): bigint {
  let out = 0n;
  let shift = 0n;
  while (k > 0) {
    let r = rng.nextUint32();
    if (k < 32) r >>>= 32 - k;
    out |= BigInt(r) << shift;
    shift += 32n;
    k -= 32;
  }
  return out;
}

/** random.randint(a, b) for big ranges. */
export function randint(rng: PythonRandom, a: number, b: number): number {
  const n = BigInt(b - a + 1);
  if (n <= 0xffffffffn) return a + rng.randbelow(Number(n));
  const k = n.toString(2).length;
  let r = getrandbitsBig(rng, k);
  while (r >= n) r = getrandbitsBig(rng, k);
  return a + Number(r);
}

function err(msg: string): PyDict {
  return new Map([['error', msg]]);
}
function fail(key: string, msg: string): PyDict {
  return new Map<string, unknown>([[key, false], ['error', msg]]);
}

function pyFloatOf(v: unknown): PyFloat {
  if (typeof v === 'number' || v instanceof PyFloat || typeof v === 'boolean') return new PyFloat(Number(num(v)));
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v.trim()))) return new PyFloat(Number(v.trim()));
  if (typeof v === 'string') throw new PyException('ValueError', `could not convert string to float: ${pyRepr(v)}`);
  throw new PyException('TypeError', `float() argument must be a string or a real number, not '${pyTypeName(v)}'`);
}

export class TravelAPI extends SimApi {
  readonly className = 'TravelAPI';
  private random = new PythonRandom(141053);
  private creditCardList: PyDict = new Map();
  private bookingRecord: PyDict = new Map();
  private accessToken: unknown = null;
  private tokenType: unknown = null;
  private tokenExpiresIn: unknown = null;
  private tokenScope: unknown = null;
  private userFirstName: unknown = null;
  private userLastName: unknown = null;
  private budgetLimit: unknown = null;
  private longContext = false;
  private flightCostLookup: PyDict = new Map();

  constructor() {
    super();
    this.def('authenticate_travel(client_id, client_secret, refresh_token, grant_type, user_first_name, user_last_name)', (x) => {
      this.tokenExpiresIn = 2;
      this.accessToken = String(randint(this.random, 100000, 999999));
      this.tokenType = 'Bearer';
      this.tokenScope = x.grant_type;
      this.userFirstName = x.user_first_name;
      this.userLastName = x.user_last_name;
      return new Map<string, unknown>([['expires_in', 2], ['access_token', this.accessToken], ['token_type', 'Bearer'], ['scope', x.grant_type]]);
    });
    this.def('travel_get_login_status()', () => new Map([['status', !(this.tokenExpiresIn === null || this.tokenExpiresIn === 0)]]));
    this.def('get_budget_fiscal_year(lastModifiedAfter=None, includeRemoved=None)', () => new Map([['budget_fiscal_year', '2018']]));
    this.def('register_credit_card(access_token, card_number, expiration_date, cardholder_name, card_verification_number)', (x) => {
      if (this.tokenExpiresIn === null) return err('Token not initialized');
      if (this.tokenExpiresIn === 0) return err('Token expired');
      if (x.access_token !== this.accessToken) return err('Invalid access token');
      if (pyIn(x.card_number, this.creditCardList)) return err('Card already registered');
      const cardId = String(randint(this.random, 100000000000, 999999999999));
      this.creditCardList.set(
        cardId,
        new Map<string, unknown>([
          ['card_number', x.card_number],
          ['expiration_date', x.expiration_date],
          ['cardholder_name', x.cardholder_name],
          ['card_verification_number', x.card_verification_number],
          ['balance', randint(this.random, 10000, 99999)],
        ]),
      );
      return new Map([['card_id', cardId]]);
    });
    this.def('get_flight_cost(travel_from, travel_to, travel_date, travel_class)', (x) => new Map([['travel_cost_list', this.flightCost(x.travel_from, x.travel_to, x.travel_date, x.travel_class)]]));
    this.def('get_credit_card_balance(access_token, card_id)', (x) => {
      if (this.tokenExpiresIn === 0) return err('Token expired');
      if (x.access_token !== this.accessToken) return err('Invalid access token');
      if (!pyIn(x.card_id, this.creditCardList)) return err("Card not registered. Here are a list of card_id's: " + pyRepr([...this.creditCardList.keys()]));
      return new Map([['card_balance', (this.creditCardList.get(x.card_id as string) as PyDict).get('balance')]]);
    });
    this.def('book_flight(access_token, card_id, travel_date, travel_from, travel_to, travel_class)', (x) => {
      if (this.tokenExpiresIn === 0) return fail('booking_status', 'Token expired');
      if (x.access_token !== this.accessToken) return fail('booking_status', 'Invalid access token');
      if (!pyIn(x.card_id, this.creditCardList)) return fail('booking_status', 'Card not registered');
      const card = this.creditCardList.get(x.card_id as string) as PyDict;
      if (!card.has('balance')) return fail('booking_status', 'Balance not found');
      if (!pyIn(x.travel_from, AIRPORTS)) return fail('booking_status', `Invalid departure airport code: ${x.travel_from}`);
      if (!pyIn(x.travel_to, AIRPORTS)) return fail('booking_status', `Invalid destination airport code: ${x.travel_to}`);
      if (typeof x.travel_date !== 'string' || !/^\d{4}-\d{1,2}-\d{1,2}$/.test(x.travel_date) || !validDate(x.travel_date)) return fail('booking_status', 'Invalid date format. Use YYYY-MM-DD.');
      if (!['economy', 'business', 'first'].includes(x.travel_class as string)) return fail('booking_status', "Invalid travel class. Must be one of {'economy', 'business', 'first'}");
      let cost: unknown;
      try {
        this.flightCost(x.travel_from, x.travel_to, x.travel_date, x.travel_class);
        const entry = this.flightCostLookup.get(`${x.travel_from}|${x.travel_to}|${x.travel_class}|${x.travel_date}`) as PyDict | undefined;
        if (entry === undefined) return fail('booking_status', 'No available route for the given parameters');
        cost = entry.get('cost');
      } catch (e) {
        if (e instanceof PyException && e.pyType === 'ValueError') return fail('booking_status', e.message);
        throw e;
      }
      if (pyCompare(card.get('balance'), '<', cost)) return fail('booking_status', 'Insufficient funds');
      if (this.budgetLimit !== null && pyCompare(card.get('balance'), '<', this.budgetLimit)) return fail('booking_status', 'Balance is less than budget limit');
      card.set('balance', pyArith(card.get('balance'), '-', cost));
      const bookingId = String(randint(this.random, 1000000, 9999999));
      const transactionId = String(randint(this.random, 10000000, 99999999));
      this.bookingRecord.set(
        bookingId,
        new Map<string, unknown>([
          ['card_id', x.card_id],
          ['travel_date', x.travel_date],
          ['travel_from', x.travel_from],
          ['travel_to', x.travel_to],
          ['travel_class', x.travel_class],
          ['travel_cost', cost],
          ['transaction_id', transactionId],
        ]),
      );
      return new Map<string, unknown>([['booking_id', bookingId], ['transaction_id', transactionId], ['booking_status', true], ['booking_history', this.longContext ? this.bookingRecord : new Map()]]);
    });
    this.def('retrieve_invoice(access_token, booking_id=None, insurance_id=None)', (x) => {
      if (this.tokenExpiresIn === 0) return err('Token expired');
      if (x.access_token !== this.accessToken) return err('Invalid access token');
      if (!pyIn(x.booking_id, this.bookingRecord)) return err('Booking not found');
      const b = this.bookingRecord.get(x.booking_id as string) as PyDict;
      const invoice: PyDict = new Map<string, unknown>([['booking_id', x.booking_id]]);
      for (const k of ['travel_date', 'travel_from', 'travel_to', 'travel_class', 'travel_cost', 'transaction_id']) {
        if (!b.has(k)) throw new PyException('KeyError', pyRepr(k));
        invoice.set(k, b.get(k));
      }
      return new Map([['invoice', invoice]]);
    });
    this.def('get_booking_history(access_token)', (x) => {
      if (this.tokenExpiresIn === 0) return err('Token expired');
      if (x.access_token !== this.accessToken) return err('Invalid access token');
      return new Map([['booking_history', pyDeepCopy(this.bookingRecord)]]);
    });
    this.def('list_all_airports()', () => [...AIRPORTS]);
    this.def('cancel_booking(access_token, booking_id)', (x) => {
      if (this.tokenExpiresIn === 0) return fail('cancel_status', 'Token expired');
      if (x.access_token !== this.accessToken) return fail('cancel_status', 'Invalid access token');
      if (!pyIn(x.booking_id, this.bookingRecord)) return fail('cancel_status', 'Booking not found');
      const b = this.bookingRecord.get(x.booking_id as string) as PyDict;
      const card = this.creditCardList.get(b.get('card_id') as string);
      if (!(card instanceof Map)) throw new PyException('KeyError', pyRepr(b.get('card_id')));
      card.set('balance', pyArith(card.get('balance'), '+', b.get('travel_cost')));
      this.bookingRecord.delete(x.booking_id as string);
      return new Map([['cancel_status', true]]);
    });
    this.def('compute_exchange_rate(base_currency, target_currency, value)', (x) => {
      for (const [a, b, rate] of EXCHANGE) {
        if (x.base_currency === a && x.target_currency === b) return new Map([['exchanged_value', new PyFloat(pyArith(x.value, '*', rate))]]);
        if (x.base_currency === b && x.target_currency === a) return new Map([['exchanged_value', new PyFloat(pyRoundFloat(pyArith(x.value, '/', rate), 2))]]);
      }
      throw new PyException('ValueError', 'No available exchange rate for the given currencies.');
    });
    this.def('verify_traveler_information(first_name, last_name, date_of_birth, passport_number)', (x) => {
      if (this.userFirstName !== x.first_name || this.userLastName !== x.last_name) {
        return new Map<string, unknown>([
          ['verification_status', false],
          ['verification_failure', 'Cannot book flight information for another user.' + `Expected ${pyStrOrNone(this.userFirstName)} ${pyStrOrNone(this.userLastName)}, got ${pyStrOrNone(x.first_name)} ${pyStrOrNone(x.last_name)}`],
        ]);
      }
      const dob = typeof x.date_of_birth === 'string' ? /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(x.date_of_birth) : null;
      if (!dob || !validDate(x.date_of_birth as string)) return new Map<string, unknown>([['verification_status', false], ['verification_failure', 'Invalid date of birth format. Please use YYYY-MM-DD.']]);
      const [y, m, d] = [Number(dob[1]), Number(dob[2]), Number(dob[3])];
      const age = TODAY.year - y - (TODAY.month < m || (TODAY.month === m && TODAY.day < d) ? 1 : 0);
      if (age < 18) return new Map<string, unknown>([['verification_status', false], ['verification_failure', 'Traveler must be at least 18 years old.']]);
      if (typeof x.passport_number !== 'string') throw new PyException('AttributeError', `'${pyTypeName(x.passport_number)}' object has no attribute 'startswith'`);
      if (!x.passport_number.startsWith('US')) return new Map<string, unknown>([['verification_status', false], ['verification_failure', 'Passport must be issued by the United States.']]);
      return new Map([['verification_status', true]]);
    });
    this.def('set_budget_limit(access_token, budget_limit)', (x) => {
      if (this.tokenExpiresIn === 0) return err('Token expired');
      if (x.access_token !== this.accessToken) return err('Invalid access token');
      const limit = pyFloatOf(x.budget_limit);
      this.budgetLimit = limit;
      return new Map([['budget_limit', limit]]);
    });
    this.def('get_nearest_airport_by_city(location)', (x) => new Map([['nearest_airport', typeof x.location === 'string' && x.location in AIRPORT_MAP ? AIRPORT_MAP[x.location] : 'Unknown']]));
    this.def('purchase_insurance(access_token, insurance_type, booking_id, insurance_cost, card_id)', (x) => {
      if (this.tokenExpiresIn === 0) return fail('insurance_status', 'Token expired');
      if (x.access_token !== this.accessToken) return fail('insurance_status', 'Invalid access token');
      if (this.budgetLimit !== null && pyCompare(this.budgetLimit, '<', x.insurance_cost)) return fail('insurance_status', 'Exceeded budget limit');
      if (!pyIn(x.booking_id, this.bookingRecord)) return fail('insurance_status', 'Booking not found');
      if (!pyIn(x.card_id, this.creditCardList)) return fail('insurance_status', 'Credit card not registered');
      const card = this.creditCardList.get(x.card_id as string) as PyDict;
      card.set('balance', pyArith(card.get('balance'), '-', x.insurance_cost));
      return new Map<string, unknown>([['insurance_id', String(randint(this.random, 100000000, 999999999))], ['insurance_status', true]]);
    });
    this.def('contact_customer_support(booking_id, message)', (x) => {
      if (!pyIn(x.booking_id, this.bookingRecord)) return err('Booking not found');
      return new Map([['customer_support_message', 'Thank you for contacting customer support. Your message has been received and we will get back to you shortly.']]);
    });
    this.def('get_all_credit_cards()', () => new Map([['credit_card_list', this.creditCardList]]));
  }

  private flightCost(from: unknown, to: unknown, date: unknown, cls: unknown): PyFloat[] {
    const key = `${from}|${to}`;
    if (typeof from !== 'string' || typeof to !== 'string' || !BASE_COSTS.has(key)) throw new PyException('ValueError', 'No available route for the given airports.');
    const base = BASE_COSTS.get(key)!;
    let factor: number;
    if (cls === 'economy') factor = 1;
    else if (cls === 'business') factor = 2;
    else if (cls === 'first') factor = 5;
    else throw new PyException('ValueError', 'Invalid travel class. Options are: economy, business, first.');
    if (typeof date !== 'string') throw new PyException('TypeError', `'${pyTypeName(date)}' object is not iterable`);
    const digitSum = [...date].filter((c) => c >= '0' && c <= '9').reduce((s, c) => s + Number(c), 0);
    const mult = digitSum % 2 === 0 ? 2 : 1;
    if (this.longContext) {
      this.flightCostLookup = new Map();
      const list: PyFloat[] = [];
      for (const [route, b] of BASE_COSTS) {
        const cost = new PyFloat(b * factor * mult);
        const [f, t] = route.split('|');
        this.flightCostLookup.set(`${f}|${t}|${cls}|${date}`, new Map([['cost', cost]]));
        list.push(cost);
      }
      return list;
    }
    const cost = new PyFloat(base * factor * mult);
    this.flightCostLookup = new Map([[`${from}|${to}|${cls}|${date}`, new Map([['cost', cost]])]]);
    return [cost];
  }

  load(config: PyDict, longContext: boolean): void {
    this.random = new PythonRandom(cfg(config, 'random_seed', 141053) as number);
    this.creditCardList = cfg(config, 'credit_card_list', new Map());
    this.bookingRecord = cfg(config, 'booking_record', new Map());
    this.accessToken = cfg(config, 'access_token', null);
    this.tokenType = cfg(config, 'token_type', null);
    this.tokenExpiresIn = cfg(config, 'token_expires_in', null);
    this.tokenScope = cfg(config, 'token_scope', null);
    this.userFirstName = cfg(config, 'user_first_name', null);
    this.userLastName = cfg(config, 'user_last_name', null);
    this.budgetLimit = cfg(config, 'budget_limit', null);
    this.longContext = longContext;
    if (longContext) {
      for (const [id, info] of filler().CREDIT_CARD_EXTENSION) if (!this.creditCardList.has(id)) this.creditCardList.set(id, toPy(info));
      for (const [id, info] of filler().BOOKING_RECORD_EXTENSION) if (!this.bookingRecord.has(id)) this.bookingRecord.set(id, toPy(info));
    }
  }

  state(): [string, unknown][] {
    return [
      ['credit_card_list', this.creditCardList],
      ['booking_record', this.bookingRecord],
      ['access_token', this.accessToken],
      ['token_type', this.tokenType],
      ['token_expires_in', this.tokenExpiresIn],
      ['token_scope', this.tokenScope],
      ['user_first_name', this.userFirstName],
      ['user_last_name', this.userLastName],
      ['budget_limit', this.budgetLimit],
      ['long_context', this.longContext],
    ];
  }
}

function pyStrOrNone(v: unknown): string {
  return v === null ? 'None' : typeof v === 'string' ? v : pyRepr(v);
}

function validDate(s: string): boolean {
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  if (m < 1 || m > 12 || d < 1 || y < 1) return false;
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}
