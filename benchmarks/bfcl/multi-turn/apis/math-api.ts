/** MathAPI — reimplements func_source_code/math_api.py (stateless: BFCL's STATELESS_CLASSES). */

import { PyException, PyFloat, PyOpaque, floatRepr, isNumber, num, pyArith, type PyDict } from '../pyrepr';
import { SimApi, truthy, type Args } from './base';

function err(msg: string): PyDict {
  return new Map([['error', msg]]);
}
function res(v: unknown): PyDict {
  return new Map([['result', v]]);
}

/** Exact decimal expansion of a double: value = coeff × 10^exp. */
export function exactDecimal(x: number): { neg: boolean; coeff: bigint; exp: number } {
  const neg = x < 0 || Object.is(x, -0);
  let a = Math.abs(x);
  if (Number.isInteger(a)) return { neg, coeff: BigInt(a), exp: 0 };
  let k = 0;
  while (!Number.isInteger(a)) {
    a *= 2;
    k++;
  }
  return { neg, coeff: BigInt(a) * 5n ** BigInt(k), exp: -k };
}

function roundHalfEven(coeff: bigint, drop: number): bigint {
  if (drop <= 0) return coeff * 10n ** BigInt(-drop);
  const p = 10n ** BigInt(drop);
  const q = coeff / p;
  const r = coeff % p;
  const half = p / 2n;
  if (r > half || (r === half && q % 2n === 1n)) return q + 1n;
  return q;
}

/** decimal.Decimal.__str__ for a non-negative (coefficient, exponent). */
export function decimalStr(coeff: bigint, exp: number, neg = false): string {
  const digits = coeff.toString();
  const leftdigits = exp + digits.length;
  const dotplace = exp <= 0 && leftdigits > -6 ? leftdigits : 1;
  let intpart: string;
  let fracpart: string;
  if (dotplace <= 0) {
    intpart = '0';
    fracpart = '.' + '0'.repeat(-dotplace) + digits;
  } else if (dotplace >= digits.length) {
    intpart = digits + '0'.repeat(dotplace - digits.length);
    fracpart = '';
  } else {
    intpart = digits.slice(0, dotplace);
    fracpart = '.' + digits.slice(dotplace);
  }
  const e = leftdigits === dotplace ? '' : `E${leftdigits - dotplace >= 0 ? '+' : '-'}${Math.abs(leftdigits - dotplace)}`;
  return (neg ? '-' : '') + intpart + fracpart + e;
}

/** Decimal(x).sqrt() under a context of precision `prec` (ROUND_HALF_EVEN), following _pydecimal's algorithm. */
export function decimalSqrt(x: number, prec: number): { coeff: bigint; exp: number } {
  const { coeff, exp } = exactDecimal(x);
  if (coeff === 0n) return { coeff: 0n, exp: exp >> 1 };
  const ndigits = coeff.toString().length;
  const p = prec + 1;
  let e = exp >> 1;
  let c: bigint;
  let l: number;
  if (exp & 1) {
    c = coeff * 10n;
    l = (ndigits >> 1) + 1;
  } else {
    c = coeff;
    l = (ndigits + 1) >> 1;
  }
  const shift = p - l;
  let exact: boolean;
  if (shift >= 0) {
    c *= 100n ** BigInt(shift);
    exact = true;
  } else {
    const d = 100n ** BigInt(-shift);
    exact = c % d === 0n;
    c = c / d;
  }
  e -= shift;
  let n = 10n ** BigInt(p);
  for (;;) {
    const q = c / n;
    if (n <= q) break;
    n = (n + q) >> 1n;
  }
  exact = exact && n * n === c;
  if (exact) {
    if (shift >= 0) n = n / 10n ** BigInt(shift);
    else n = n * 10n ** BigInt(-shift);
    e += shift;
  } else if (n % 5n === 0n) n += 1n;
  // _fix: round to `prec` digits
  const len = n.toString().length;
  if (len > prec) {
    const drop = len - prec;
    n = roundHalfEven(n, drop);
    e += drop;
    if (n.toString().length > prec) {
      n = n / 10n;
      e += 1;
    }
  }
  return { coeff: n, exp: e };
}

/** Python round(x, nd) for a float (half-even on the exact binary value). */
export function pyRoundFloat(x: number, nd: number): number {
  const { neg, coeff, exp } = exactDecimal(x);
  const drop = -exp - nd;
  if (drop <= 0) return x;
  const q = roundHalfEven(coeff, drop);
  const v = Number(decimalStr(q, -nd));
  return neg ? -v : v;
}

function numbersList(v: unknown): number[] {
  if (!Array.isArray(v)) throw new PyException('TypeError', 'not a list');
  return v.map((x) => {
    if (!isNumber(x)) throw new PyException('TypeError', 'not a number');
    return num(x);
  });
}

export class MathAPI extends SimApi {
  readonly className = 'MathAPI';
  override readonly stateless = true;

  constructor() {
    super();
    this.def('logarithm(value, base, precision)', (x) => {
      if (typeof x.precision !== 'number' || !Number.isInteger(x.precision)) return err(`precision must be an integer`);
      if (!isNumber(x.value) || !isNumber(x.base)) return err('cannot create mpf from ' + String(x.value));
      const r = Math.log(num(x.value)) / Math.log(num(x.base));
      const p = Math.min(Math.max(x.precision, 1), 17);
      return res(new PyOpaque(`mpf('${Number.isFinite(r) ? floatRepr(Number(r.toPrecision(p))) : String(r).replace('Infinity', 'inf')}')`, r));
    });
    this.def('mean(numbers)', (x) => {
      if (!truthy(x.numbers)) return err('Cannot calculate mean of an empty list');
      try {
        const ns = numbersList(x.numbers);
        return res(new PyFloat(ns.reduce((a, b) => a + b, 0) / ns.length));
      } catch {
        return err('All elements in the list must be numbers');
      }
    });
    this.def('standard_deviation(numbers)', (x) => {
      if (!truthy(x.numbers)) return err('Cannot calculate standard deviation of an empty list');
      try {
        const ns = numbersList(x.numbers);
        const mean = ns.reduce((a, b) => a + b, 0) / ns.length;
        const variance = ns.reduce((a, b) => a + (b - mean) ** 2, 0) / ns.length;
        return res(new PyFloat(Math.sqrt(variance)));
      } catch {
        return err('All elements in the list must be numbers');
      }
    });
    const toMeters: Record<string, number> = { km: 1000, m: 1, cm: 0.01, mm: 0.001, um: 1e-6, nm: 1e-9 };
    this.def('si_unit_conversion(value, unit_in, unit_out)', (x) => {
      if (!isNumber(x.value) || typeof x.value === 'boolean') return err('Value must be a number');
      const ui = x.unit_in as string;
      const uo = x.unit_out as string;
      if (!(typeof ui === 'string' && ui in toMeters) || !(typeof uo === 'string' && uo in toMeters)) return err(`Conversion from '${ui}' to '${uo}' is not supported`);
      return res(new PyFloat(num(x.value) * toMeters[ui]! * (1 / toMeters[uo]!)));
    });
    const conv: Record<string, number> = { cm_to_in: 0.393701, in_to_cm: 2.54, m_to_ft: 3.28084, ft_to_m: 0.3048, m_to_yd: 1.09361, yd_to_m: 0.9144, km_to_miles: 0.621371, miles_to_km: 1.60934, kg_to_lb: 2.20462, lb_to_kg: 0.453592, celsius_to_fahrenheit: 1.8, fahrenheit_to_celsius: 5 / 9 };
    this.def('imperial_si_conversion(value, unit_in, unit_out)', (x) => {
      if (!isNumber(x.value) || typeof x.value === 'boolean') return err('Value must be a number');
      if (x.unit_in === x.unit_out) return res(x.value);
      const key = `${x.unit_in}_to_${x.unit_out}`;
      if (!(key in conv)) return err(`Conversion from '${x.unit_in}' to '${x.unit_out}' is not supported`);
      const v = num(x.value);
      let r: number;
      if (x.unit_in === 'celsius' && x.unit_out === 'fahrenheit') r = v * conv[key]! + 32;
      else if (x.unit_in === 'fahrenheit' && x.unit_out === 'celsius') r = (v - 32) * conv[key]!;
      else r = v * conv[key]!;
      return res(new PyFloat(r));
    });
    const binary = (op: '+' | '-') => (x: Args) => {
      try {
        return res(pyArith(x.a, op, x.b));
      } catch (e) {
        if (e instanceof PyException && e.pyType === 'TypeError') return err('Both inputs must be numbers');
        throw e;
      }
    };
    this.def('add(a, b)', binary('+'));
    this.def('subtract(a, b)', binary('-'));
    this.def('multiply(a, b)', (x) => {
      if (!isNumber(x.a) || !isNumber(x.b)) return err('Both inputs must be numbers');
      return res(num(x.a) * num(x.b));
    });
    this.def('divide(a, b)', (x) => {
      if (isNumber(x.b) && num(x.b) === 0) return err('Cannot divide by zero');
      if (!isNumber(x.a) || !isNumber(x.b)) return err('Both inputs must be numbers');
      return res(new PyFloat(num(x.a) / num(x.b)));
    });
    this.def('power(base, exponent)', (x) => {
      if (!isNumber(x.base) || !isNumber(x.exponent)) return err('Both inputs must be numbers');
      const r = num(x.base) ** num(x.exponent);
      const intResult = Number.isInteger(num(x.base)) && Number.isInteger(num(x.exponent)) && num(x.exponent) >= 0;
      return res(intResult ? r : new PyFloat(r));
    });
    this.def('square_root(number, precision)', (x) => {
      if (!isNumber(x.number)) return err('Input must be a number or computation resulted in an invalid operation');
      if (num(x.number) < 0) return err('Cannot calculate square root of a negative number');
      const p = x.precision;
      if (typeof p !== 'number' || !Number.isInteger(p)) return err('Input must be a number or computation resulted in an invalid operation');
      if (p < 1) throw new PyException('ValueError', 'valid range for prec is [1, MAX_PREC]');
      const { coeff, exp } = decimalSqrt(num(x.number), p);
      return res(new PyOpaque(`Decimal('${decimalStr(coeff, exp)}')`, Number(decimalStr(coeff, exp))));
    });
    this.def('absolute_value(number)', (x) => {
      if (!isNumber(x.number)) return err('Input must be a number');
      return res(x.number instanceof PyFloat ? new PyFloat(Math.abs(num(x.number))) : Math.abs(num(x.number)));
    });
    this.def('round_number(number, decimal_places=0)', (x) => {
      if (!isNumber(x.number) || typeof x.decimal_places !== 'number' || !Number.isInteger(x.decimal_places)) return err('First input must be a number, second input must be an integer');
      const v = num(x.number);
      if (Number.isInteger(v) && !(x.number instanceof PyFloat)) {
        if (x.decimal_places >= 0) return res(v);
        const f = 10 ** -x.decimal_places;
        return res(Number(roundHalfEven(BigInt(v), -x.decimal_places)) * f);
      }
      return res(new PyFloat(pyRoundFloat(v, x.decimal_places)));
    });
    this.def('percentage(part, whole)', (x) => {
      if (isNumber(x.whole) && num(x.whole) === 0) return err('Whole value cannot be zero');
      if (!isNumber(x.part) || !isNumber(x.whole)) return err('Both inputs must be numbers');
      return res(new PyFloat((num(x.part) / num(x.whole)) * 100));
    });
    const reduceList = (empty: string, f: (ns: number[]) => number) => (x: Args) => {
      if (!truthy(x.numbers)) return err(empty);
      try {
        const ns = numbersList(x.numbers);
        return res(f(ns));
      } catch {
        return err('All elements in the list must be numbers');
      }
    };
    this.def('min_value(numbers)', reduceList('Cannot find minimum of an empty list', (ns) => Math.min(...ns)));
    this.def('max_value(numbers)', reduceList('Cannot find maximum of an empty list', (ns) => Math.max(...ns)));
    this.def('sum_values(numbers)', reduceList('Cannot calculate sum of an empty list', (ns) => ns.reduce((a, b) => a + b, 0)));
  }

  load(): void {}

  state(): [string, unknown][] {
    return [];
  }
}
