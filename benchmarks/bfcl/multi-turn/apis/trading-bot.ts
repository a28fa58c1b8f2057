/** TradingBot — reimplements func_source_code/trading_bot.py. */

import { PythonRandom } from '../../../families/python/random';
import { PyException, PyFloat, num, pyArith, pyCompare, pyIn, pyRepr, pyTypeName, toPy, type PyDict } from '../pyrepr';
import { SimApi, cfg, truthy } from './base';
import { filler } from './filler';

const DEFAULT_STATE = {
  orders: {
    '12345': { id: 12345, order_type: 'Buy', symbol: 'AAPL', price: 210.65, amount: 10, status: 'Completed' },
    '12446': { id: 12446, order_type: 'Sell', symbol: 'GOOG', price: 2840.56, amount: 5, status: 'Pending' },
  },
  account_info: { account_id: 12345, balance: 10000.0, binding_card: 1974202140965533 },
  authenticated: false,
  market_status: 'Closed',
  order_counter: 12446,
  stocks: {
    AAPL: { price: 227.16, percent_change: 0.17, volume: 2.552, 'MA(5)': 227.11, 'MA(20)': 227.09 },
    GOOG: { price: 2840.34, percent_change: 0.24, volume: 1.123, 'MA(5)': 2835.67, 'MA(20)': 2842.15 },
    TSLA: { price: 667.92, percent_change: -0.12, volume: 1.654, 'MA(5)': 671.15, 'MA(20)': 668.2 },
    MSFT: { price: 310.23, percent_change: 0.09, volume: 3.234, 'MA(5)': 309.88, 'MA(20)': 310.11 },
    NVDA: { price: 220.34, percent_change: 0.34, volume: 1.234, 'MA(5)': 220.45, 'MA(20)': 220.67 },
    ALPH: { price: 1320.45, percent_change: -0.08, volume: 1.567, 'MA(5)': 1321.12, 'MA(20)': 1325.78 },
    OMEG: { price: 457.23, percent_change: 0.12, volume: 2.345, 'MA(5)': 456.78, 'MA(20)': 458.12 },
    QUAS: { price: 725.89, percent_change: -0.03, volume: 1.789, 'MA(5)': 726.45, 'MA(20)': 728.0 },
    NEPT: { price: 88.34, percent_change: 0.19, volume: 0.654, 'MA(5)': 88.21, 'MA(20)': 88.67 },
    SYNX: { price: 345.67, percent_change: 0.11, volume: 2.112, 'MA(5)': 345.34, 'MA(20)': 346.12 },
    ZETA: { price: 22.09, percent_change: -0.05, volume: 0.789, 'MA(5)': 22.12, 'MA(20)': 22.34 },
  },
  watch_list: ['NVDA'],
  transaction_history: [],
  random_seed: 1053520,
};

/** CURRENT_TIME = datetime(2024, 9, 1, 10, 30) */
const CURRENT_TIME_MS = Date.UTC(2024, 8, 1, 10, 30);

const SYMBOL_MAP: Record<string, string> = { Apple: 'AAPL', Google: 'GOOG', Tesla: 'TSLA', Microsoft: 'MSFT', Nvidia: 'NVDA', 'Zeta Corp': 'ZETA', 'Alpha Tech': 'ALPH', 'Omega Industries': 'OMEG', 'Quasar Ltd.': 'QUAS', 'Neptune Systems': 'NEPT', 'Synex Solutions': 'SYNX', Amazon: 'AMZN', Gorilla: 'GORI' };

function err(msg: string): PyDict {
  return new Map([['error', msg]]);
}

function fmt(ms: number): string {
  const d = new Date(ms);
  const p = (x: number) => String(x).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** datetime.strptime(s, '%Y-%m-%d') / '%Y-%m-%d %H:%M:%S' as epoch ms (UTC), ValueError otherwise. */
function strptimeDate(s: unknown, withTime: boolean): number {
  if (typeof s !== 'string') throw new PyException('TypeError', `strptime() argument 1 must be str, not ${pyTypeName(s)}`);
  const re = withTime ? /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})$/ : /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
  const m = re.exec(s);
  const format = withTime ? '%Y-%m-%d %H:%M:%S' : '%Y-%m-%d';
  if (!m) throw new PyException('ValueError', `time data ${pyRepr(s)} does not match format '${format}'`);
  const [y, mo, d, h = '0', mi = '0', se = '0'] = m.slice(1).map((x) => x ?? '0') as string[];
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se));
  const back = new Date(ms);
  if (back.getUTCMonth() !== Number(mo) - 1 || back.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(se) > 61) {
    throw new PyException('ValueError', Number(mo) > 12 || Number(mo) < 1 ? `time data ${pyRepr(s)} does not match format '${format}'` : 'day is out of range for month');
  }
  return ms;
}

export class TradingBot extends SimApi {
  readonly className = 'TradingBot';
  private orders: PyDict = new Map();
  private accountInfo: PyDict = new Map();
  private authenticated: unknown = false;
  private marketStatus: unknown = 'Closed';
  private orderCounter: unknown = 12446;
  private stocks: PyDict = new Map();
  private watchList: unknown[] = [];
  private transactionHistory: PyDict[] = [];
  private longContext = false;
  private random = new PythonRandom(1053520);

  constructor() {
    super();
    this.def('get_current_time()', () => new Map([['current_time', '10:30 AM']]));
    this.def('update_market_status(current_time_str)', (x) => {
      const s = x.current_time_str;
      if (typeof s !== 'string') throw new PyException('TypeError', `strptime() argument 1 must be str, not ${pyTypeName(s)}`);
      const m = /^\s*(\d{1,2}):(\d{1,2})\s+(AM|PM)\s*$/i.exec(s);
      if (!m || Number(m[1]) < 1 || Number(m[1]) > 12 || Number(m[2]) > 59) throw new PyException('ValueError', `time data ${pyRepr(s)} does not match format '%I:%M %p'`);
      let h = Number(m[1]) % 12;
      if (m[3]!.toUpperCase() === 'PM') h += 12;
      const minutes = h * 60 + Number(m[2]);
      const open = minutes >= 9 * 60 + 30 && minutes <= 16 * 60;
      this.marketStatus = open ? 'Open' : 'Closed';
      return new Map([['status', this.marketStatus]]);
    });
    this.def('get_symbol_by_name(name)', (x) => new Map([['symbol', typeof x.name === 'string' && x.name in SYMBOL_MAP ? SYMBOL_MAP[x.name] : 'Stock not found']]));
    this.def('get_stock_info(symbol)', (x) => {
      if (!pyIn(x.symbol, this.stocks)) return err(`Stock with symbol '${x.symbol}' not found.`);
      const stock = this.stocks.get(x.symbol as string) as PyDict;
      if (this.longContext) {
        const copy = new Map(stock);
        copy.set('MA(5)', [...filler().MA_5_EXTENSION]);
        copy.set('MA(20)', [...filler().MA_20_EXTENSION]);
        return copy;
      }
      return stock;
    });
    this.def('get_order_details(order_id)', (x) => {
      if (!this.orders.has(x.order_id as number)) return err(`Order with ID ${x.order_id} not found.Here is the list of orders_id: ${pyRepr([...this.orders.keys()])}`);
      const order = this.orders.get(x.order_id as number) as PyDict;
      if (this.longContext) {
        const copy = new Map(order);
        const meta: PyDict = new Map();
        for (const [k, v] of filler().ORDER_DETAIL_EXTENSION) meta.set(k, v.replace(/\{symbol\}/g, String(order.get('symbol'))));
        copy.set('metadata', meta);
        return copy;
      }
      return order;
    });
    this.def('cancel_order(order_id)', (x) => {
      if (!this.orders.has(x.order_id as number)) return err(`Order with ID ${x.order_id} not found.`);
      const order = this.orders.get(x.order_id as number) as PyDict;
      if (order.get('status') === 'Completed') return err(`Can't cancel order ${x.order_id}. Order is already completed.`);
      order.set('status', 'Cancelled');
      return new Map([['order_id', x.order_id], ['status', 'Cancelled']]);
    });
    this.def('place_order(order_type, symbol, price, amount)', (x) => {
      if (!truthy(this.authenticated)) return err('User not authenticated. Please log in to place an order.');
      if (!pyIn(x.symbol, this.stocks)) return err(`Invalid stock symbol: ${x.symbol}`);
      if (pyCompare(x.price, '<=', 0) || pyCompare(x.amount, '<=', 0)) return err('Price and amount must be positive values.');
      const price = new PyFloat(num(x.price));
      const id = this.orderCounter;
      this.orders.set(id as number, new Map<string, unknown>([['id', id], ['order_type', x.order_type], ['symbol', x.symbol], ['price', price], ['amount', x.amount], ['status', 'Open']]));
      this.orderCounter = (this.orderCounter as number) + 1;
      return new Map<string, unknown>([['order_id', id], ['order_type', x.order_type], ['status', 'Pending'], ['price', price], ['amount', x.amount]]);
    });
    this.def('withdraw_funds(amount)', (x) => {
      if (!truthy(this.authenticated)) return err('User not authenticated. Please log in to make a transaction.');
      if (this.marketStatus !== 'Open') return err('Market is closed. Transactions are not allowed.');
      if (pyCompare(x.amount, '<=', 0)) return err('Transaction amount must be positive.');
      if (pyCompare(x.amount, '>', this.accountInfo.get('balance'))) return err('Insufficient funds for withdrawal.');
      this.accountInfo.set('balance', pyArith(this.accountInfo.get('balance'), '-', x.amount));
      this.transactionHistory.push(new Map<string, unknown>([['type', 'withdrawal'], ['amount', x.amount], ['timestamp', this.timestamp()]]));
      return new Map<string, unknown>([['status', 'Withdrawal successful'], ['new_balance', this.accountInfo.get('balance')]]);
    });
    this.def('get_account_info()', () => {
      if (!truthy(this.authenticated)) return err('User not authenticated. Please log in to view account information.');
      return this.accountInfo;
    });
    this.def('trading_login(username, password)', () => {
      if (truthy(this.authenticated)) return new Map([['status', 'Already logged in']]);
      this.authenticated = true;
      return new Map([['status', 'Logged in successfully']]);
    });
    this.def('trading_get_login_status()', () => new Map([['status', truthy(this.authenticated)]]));
    this.def('trading_logout()', () => {
      if (!truthy(this.authenticated)) return new Map([['status', 'No user is currently logged in']]);
      this.authenticated = false;
      return new Map([['status', 'Logged out successfully']]);
    });
    this.def('fund_account(amount)', (x) => {
      if (!truthy(this.authenticated)) return err('User not authenticated. Please log in to fund the account.');
      if (pyCompare(x.amount, '<=', 0)) return err('Funding amount must be positive.');
      this.accountInfo.set('balance', pyArith(this.accountInfo.get('balance'), '+', x.amount));
      this.transactionHistory.push(new Map<string, unknown>([['type', 'deposit'], ['amount', x.amount], ['timestamp', this.timestamp()]]));
      return new Map<string, unknown>([['status', 'Account funded successfully'], ['new_balance', this.accountInfo.get('balance')]]);
    });
    this.def('remove_stock_from_watchlist(symbol)', (x) => {
      if (!truthy(this.authenticated)) return err('User not authenticated. Please log in to modify the watchlist.');
      const idx = this.watchList.findIndex((s) => s === x.symbol);
      if (idx < 0) return err(`Stock ${x.symbol} not found in watchlist.`);
      this.watchList.splice(idx, 1);
      return new Map([['status', `Stock ${x.symbol} removed from watchlist successfully.`]]);
    });
    this.def('get_watchlist()', () => {
      if (!truthy(this.authenticated)) return ['Error: User not authenticated. Please log in to view the watchlist.'];
      if (this.longContext) return [...this.watchList, ...filler().WATCH_LIST_EXTENSION];
      return new Map([['watchlist', this.watchList]]);
    });
    this.def('get_order_history()', () => {
      if (!truthy(this.authenticated)) return [err('User not authenticated. Please log in to view order history.')];
      return new Map([['history', [...this.orders.keys()]]]);
    });
    this.def('get_transaction_history(start_date=None, end_date=None)', (x) => {
      if (!truthy(this.authenticated)) return [err('User not authenticated. Please log in to view transaction history.')];
      const start = truthy(x.start_date) ? strptimeDate(x.start_date, false) : -Infinity;
      const end = truthy(x.end_date) ? strptimeDate(x.end_date, false) : Infinity;
      const filtered: unknown[] = this.transactionHistory.filter((t) => {
        const ts = strptimeDate(t.get('timestamp'), true);
        return start <= ts && ts <= end;
      });
      if (this.longContext) filtered.push(...(toPy(filler().TRANSACTION_HISTORY_EXTENSION) as unknown[]));
      return new Map([['transaction_history', filtered]]);
    });
    this.def('get_available_stocks(sector)', (x) => {
      const map: Record<string, string[]> = { Technology: ['AAPL', 'GOOG', 'MSFT', 'NVDA'], Automobile: ['TSLA', 'F', 'GM'] };
      if (this.longContext) {
        map.Technology!.push(...filler().TECHNOLOGY_EXTENSION);
        map.Automobile!.push(...filler().AUTOMOBILE_EXTENSION);
      }
      return new Map([['stock_list', typeof x.sector === 'string' && x.sector in map ? map[x.sector] : []]]);
    });
    this.def('filter_stocks_by_price(stocks, min_price, max_price)', (x) => {
      if (!Array.isArray(x.stocks)) throw new PyException('TypeError', `'${pyTypeName(x.stocks)}' object is not iterable`);
      const out = x.stocks.filter((s) => {
        const st = this.stocks.get(s as string);
        const price = st instanceof Map && st.has('price') ? st.get('price') : 0;
        return pyCompare(price, '>=', x.min_price) && pyCompare(price, '<=', x.max_price);
      });
      return new Map([['filtered_stocks', out]]);
    });
    this.def('add_to_watchlist(stock)', (x) => {
      if (!pyIn(x.stock, this.watchList) && pyIn(x.stock, this.stocks)) this.watchList.push(x.stock);
      return new Map([['symbol', this.watchList]]);
    });
    this.def('notify_price_change(stocks, threshold)', (x) => {
      if (!Array.isArray(x.stocks)) throw new PyException('TypeError', `'${pyTypeName(x.stocks)}' object is not iterable`);
      const changed = x.stocks.filter((s) => pyIn(s, this.stocks) && pyCompare(Math.abs(num((this.stocks.get(s as string) as PyDict).get('percent_change'))), '>=', x.threshold));
      if (changed.length > 0) return new Map([['notification', `Stocks ${changed.join(', ')} have significant price changes.`]]);
      return new Map([['notification', 'No significant price changes in the selected stocks.']]);
    });
  }

  /** _generate_transaction_timestamp: randint over one day from CURRENT_TIME (local-time round trip). */
  private timestamp(): string {
    return fmt(CURRENT_TIME_MS + this.random.randbelow(86401) * 1000);
  }

  load(config: PyDict, longContext: boolean): void {
    const d = toPy(DEFAULT_STATE) as PyDict;
    const orders = cfg(config, 'orders', d.get('orders') as PyDict);
    this.orders = new Map();
    for (const [k, v] of orders) this.orders.set(typeof k === 'string' && /^[0-9]+$/.test(k) ? Number(k) : k, v);
    this.accountInfo = cfg(config, 'account_info', d.get('account_info') as PyDict);
    this.authenticated = cfg(config, 'authenticated', false);
    this.marketStatus = cfg(config, 'market_status', 'Closed');
    this.orderCounter = cfg(config, 'order_counter', 12446);
    this.stocks = cfg(config, 'stocks', d.get('stocks') as PyDict);
    this.watchList = cfg(config, 'watch_list', ['NVDA']);
    this.transactionHistory = cfg(config, 'transaction_history', []);
    this.longContext = longContext;
    this.random = new PythonRandom(cfg(config, 'random_seed', 1053520) as number);
  }

  state(): [string, unknown][] {
    return [
      ['orders', this.orders],
      ['account_info', this.accountInfo],
      ['authenticated', this.authenticated],
      ['market_status', this.marketStatus],
      ['order_counter', this.orderCounter],
      ['stocks', this.stocks],
      ['watch_list', this.watchList],
      ['transaction_history', this.transactionHistory],
      ['long_context', this.longContext],
    ];
  }
}
