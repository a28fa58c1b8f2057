/** VehicleControlAPI — reimplements func_source_code/vehicle_control.py. */

import { PythonRandom } from '../../../families/python/random';
import { PyException, PyFloat, num, pyArith, pyCompare, pyRepr, pyTypeName, toPy, type PyDict } from '../pyrepr';
import { SimApi, cfg, truthy } from './base';
import { filler, random01 } from './filler';

const MAX_FUEL_LEVEL = 50;
const MIN_FUEL_LEVEL = 0.0;
const MILE_PER_GALLON = 20.0;

const DISTANCES: [string, string, number][] = [
  ['83214', '74532', 750.0],
  ['56108', '62947', 320.0],
  ['71354', '83462', 450.0],
  ['47329', '52013', 290.0],
  ['69238', '51479', 630.0],
  ['94016', '83214', 980.0],
  ['94016', '94704', 600.0],
  ['94704', '08540', 2550.0],
  ['94016', '08540', 1950.0],
  ['62947', '47329', 1053.0],
  ['94016', '62947', 780.0],
  ['74532', '94016', 880.0],
];

const ZIPCODES: Record<string, string> = { Rivermist: '83214', Stonebrook: '74532', Maplecrest: '56108', Silverpine: '62947', Shadowridge: '71354', 'Sunset Valley': '83462', Oakendale: '47329', Willowbend: '52013', 'Crescent Hollow': '69238', Autumnville: '51479', 'San Francisco': '94016' };

function err(msg: unknown): PyDict {
  return new Map([['error', msg]]);
}

function f(v: unknown): PyFloat {
  if (typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat) return new PyFloat(Number(num(v)));
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return new PyFloat(Number(v));
  throw new PyException(typeof v === 'string' ? 'ValueError' : 'TypeError', typeof v === 'string' ? `could not convert string to float: ${pyRepr(v)}` : `float() argument must be a string or a real number, not '${pyTypeName(v)}'`);
}

export class VehicleControlAPI extends SimApi {
  readonly className = 'VehicleControlAPI';
  private random = new PythonRandom(141053);
  private s = new Map<string, unknown>();
  private parkingBrakeForce: unknown = 0.0;
  private slopeAngle: unknown = 0.0;
  private brakePedalForce: unknown = 0.0;
  private longContext = false;

  private get<T = unknown>(k: string): T {
    return this.s.get(k) as T;
  }
  private set(k: string, v: unknown): void {
    this.s.set(k, v);
  }

  constructor() {
    super();
    this.def('startEngine(ignitionMode)', (x) => {
      if (x.ignitionMode === 'STOP') this.set('engine_state', 'stopped');
      if (pyCompare(this.get('remainingUnlockedDoors'), '>', 0)) {
        const unlocked = [...this.get<PyDict>('doorStatus').entries()].filter(([, st]) => st === 'unlocked').map(([d]) => String(d));
        return err('All doors must be locked before starting the engine. Here are the unlocked doors: ' + unlocked.join(', '));
      }
      if (this.get('brakePedalStatus') !== 'pressed') return err('Brake pedal needs to be pressed when starting the engine.');
      if (num(this.brakePedalForce) !== 1000.0) return err('Must press the brake fully before starting the engine.');
      if (pyCompare(this.get('fuelLevel'), '<', MIN_FUEL_LEVEL)) return err('Fuel tank is empty.');
      if (x.ignitionMode === 'START') this.set('engine_state', 'running');
      else return err('Invalid ignition mode.');
      return new Map([['engineState', this.get('engine_state')], ['fuelLevel', this.get('fuelLevel')], ['batteryVoltage', this.get('batteryVoltage')]]);
    });
    this.def('fillFuelTank(fuelAmount)', (x) => {
      if (pyCompare(x.fuelAmount, '<', 0)) return err('Fuel amount cannot be negative.');
      const total = pyArith(this.get('fuelLevel'), '+', x.fuelAmount);
      if (total > MAX_FUEL_LEVEL) return err('Cannot fill gas above the tank capacity.');
      if (total < MIN_FUEL_LEVEL) return err('Fuel tank is empty. Min fuel level is 0 gallons.');
      this.set('fuelLevel', total);
      return new Map([['fuelLevel', total]]);
    });
    this.def('lockDoors(unlock, door)', (x) => {
      const status = this.get<PyDict>('doorStatus');
      if (!Array.isArray(x.door) && typeof x.door !== 'string') throw new PyException('TypeError', `'${pyTypeName(x.door)}' object is not iterable`);
      const doors = Array.isArray(x.door) ? x.door : [...(x.door as string)];
      const target = truthy(x.unlock) ? 'unlocked' : 'locked';
      for (const d of doors) {
        if (!status.has(d as string)) throw new PyException('KeyError', pyRepr(d));
        if (status.get(d as string) === target) continue;
        status.set(d as string, target);
        this.set('remainingUnlockedDoors', (this.get<number>('remainingUnlockedDoors') ?? 0) + (target === 'unlocked' ? 1 : -1));
      }
      return new Map([['lockStatus', target], ['remainingUnlockedDoors', this.get('remainingUnlockedDoors')]]);
    });
    this.def("adjustClimateControl(temperature, unit='celsius', fanSpeed=50, mode='auto')", (x) => {
      if (!(pyCompare(0, '<=', x.fanSpeed) && pyCompare(x.fanSpeed, '<=', 100))) return err('Fan speed must be between 0 and 100.');
      this.set('acTemperature', x.temperature);
      if (x.unit === 'fahrenheit') this.set('acTemperature', new PyFloat((pyArith(x.temperature, '-', 32) * 5) / 9));
      this.set('fanSpeed', x.fanSpeed);
      this.set('acMode', x.mode);
      return new Map([['currentACTemperature', x.temperature], ['climateMode', x.mode], ['humidityLevel', this.get('humidityLevel')]]);
    });
    this.def('get_outside_temperature_from_google()', () => {
      const t = new PyFloat(-10.0 + 50.0 * random01(this.random));
      if (this.longContext) {
        const ext = toPy(filler().LONG_WEATHER_EXTENSION) as PyDict;
        ext.set('outsideTemperature', t);
        return ext;
      }
      return new Map([['outsideTemperature', t]]);
    });
    this.def('get_outside_temperature_from_weather_com()', () => err(404));
    this.def('setHeadlights(mode)', (x) => {
      if (!['on', 'off', 'auto'].includes(x.mode as string)) return err('Invalid headlight mode.');
      const v = x.mode === 'on' ? 'on' : 'off';
      this.set('headLightStatus', v);
      return new Map([['headlightStatus', v]]);
    });
    this.def('displayCarStatus(option)', (x) => {
      const status: PyDict = new Map();
      if (this.longContext) status.set('metadata', toPy(filler().CAR_STATUS_METADATA_EXTENSION));
      switch (x.option) {
        case 'fuel':
          status.set('fuelLevel', this.get('fuelLevel'));
          break;
        case 'battery':
          status.set('batteryVoltage', this.get('batteryVoltage'));
          break;
        case 'doors':
          status.set('doorStatus', this.get('doorStatus'));
          break;
        case 'climate':
          status.set('currentACTemperature', this.get('acTemperature'));
          status.set('fanSpeed', this.get('fanSpeed'));
          status.set('climateMode', this.get('acMode'));
          status.set('humidityLevel', this.get('humidityLevel'));
          break;
        case 'headlights':
          status.set('headlightStatus', this.get('headLightStatus'));
          break;
        case 'parkingBrake':
          status.set('parkingBrakeStatus', this.get('parkingBrakeStatus'));
          status.set('parkingBrakeForce', this.parkingBrakeForce);
          status.set('slopeAngle', this.slopeAngle);
          break;
        case 'brakePedal':
          status.set('brakePedalStatus', this.get('brakePedalStatus'));
          status.set('brakePedalForce', this.brakePedalForce);
          break;
        case 'engine':
          status.set('engineState', this.get('engine_state'));
          break;
        default:
          status.set('error', 'Invalid option');
      }
      return status;
    });
    this.def('activateParkingBrake(mode)', (x) => {
      if (x.mode !== 'engage' && x.mode !== 'release') return err('Invalid mode');
      const engaged = x.mode === 'engage';
      this.set('parkingBrakeStatus', engaged ? 'engaged' : 'released');
      this.parkingBrakeForce = new PyFloat(engaged ? 500.0 : 0.0);
      this.slopeAngle = new PyFloat(10.0);
      const out: PyDict = new Map();
      if (this.longContext) out.set('parkingBrakeInstruction', filler().PARKING_BRAKE_INSTRUCTION);
      out.set('parkingBrakeStatus', engaged ? 'engaged' : 'released');
      out.set('_parkingBrakeForce', new PyFloat(engaged ? 500.0 : 0.0));
      out.set('_slopeAngle', new PyFloat(10.0));
      return out;
    });
    this.def('pressBrakePedal(pedalPosition)', (x) => {
      if (!(pyCompare(0, '<=', x.pedalPosition) && pyCompare(x.pedalPosition, '<=', 1))) return err('Pedal position must be between 0 and 1.');
      if (num(x.pedalPosition) === 0) {
        this.set('brakePedalStatus', 'released');
        this.brakePedalForce = new PyFloat(0.0);
        return new Map<string, unknown>([['brakePedalStatus', 'released'], ['brakePedalForce', new PyFloat(0.0)]]);
      }
      const force = num(x.pedalPosition) * 1000;
      this.set('brakePedalStatus', 'pressed');
      this.brakePedalForce = force;
      return new Map<string, unknown>([['brakePedalStatus', 'pressed'], ['brakePedalForce', new PyFloat(force)]]);
    });
    this.def('releaseBrakePedal()', () => {
      this.set('brakePedalStatus', 'released');
      this.brakePedalForce = new PyFloat(0.0);
      return new Map<string, unknown>([['brakePedalStatus', 'released'], ['brakePedalForce', new PyFloat(0.0)]]);
    });
    this.def('setCruiseControl(speed, activate, distanceToNextVehicle)', (x) => {
      if (this.get('engine_state') === 'stopped') return err('Start the engine before activating the cruise control.');
      if (truthy(x.activate)) {
        this.set('distanceToNextVehicle', f(x.distanceToNextVehicle));
        if (pyCompare(x.speed, '<', 0) || pyCompare(x.speed, '>', 120) || num(x.speed) % 5 !== 0) return err('Invalid speed');
        this.set('cruiseStatus', 'active');
        return new Map<string, unknown>([['cruiseStatus', 'active'], ['currentSpeed', f(x.speed)], ['distanceToNextVehicle', f(x.distanceToNextVehicle)]]);
      }
      this.set('cruiseStatus', 'inactive');
      this.set('distanceToNextVehicle', f(x.distanceToNextVehicle));
      return new Map<string, unknown>([['cruiseStatus', 'inactive'], ['currentSpeed', f(x.speed)], ['distanceToNextVehicle', f(x.distanceToNextVehicle)]]);
    });
    this.def('get_current_speed()', () => new Map([['currentSpeed', new PyFloat(120.0 * random01(this.random))]]));
    this.def('display_log(messages)', (x) => new Map([['log', x.messages]]));
    this.def('estimate_drive_feasibility_by_mileage(distance)', (x) => new Map([['canDrive', !pyCompare(num(this.get('fuelLevel')) * MILE_PER_GALLON, '<', x.distance)]]));
    this.def('liter_to_gallon(liter)', (x) => new Map([['gallon', new PyFloat(pyArith(x.liter, '*', 0.264172))]]));
    this.def('gallon_to_liter(gallon)', (x) => new Map([['liter', new PyFloat(pyArith(x.gallon, '*', 3.78541))]]));
    this.def('estimate_distance(cityA, cityB)', (x) => {
      const hit = DISTANCES.find(([a, b]) => (x.cityA === a && x.cityB === b) || (x.cityA === b && x.cityB === a));
      const out: PyDict = hit ? new Map([['distance', new PyFloat(hit[2])]]) : new Map([['error', 'distance not found in database.']]);
      if (this.longContext) out.set('intermediaryCities', [...filler().INTERMEDIARY_CITIES]);
      return out;
    });
    this.def('get_zipcode_based_on_city(city)', (x) => new Map([['zipcode', typeof x.city === 'string' && x.city in ZIPCODES ? ZIPCODES[x.city] : '00000']]));
    this.def('set_navigation(destination)', (x) => {
      if (typeof x.destination !== 'string') throw new PyException('TypeError', `can only concatenate str (not "${pyTypeName(x.destination)}") to str`);
      this.set('destination', x.destination);
      return new Map([['status', 'Navigating to ' + x.destination]]);
    });
    this.def('check_tire_pressure()', () => {
      const keys = ['frontLeftTirePressure', 'frontRightTirePressure', 'rearLeftTirePressure', 'rearRightTirePressure'];
      const avg = keys.reduce((s, k) => pyArith(s, '+', this.get(k)), 0 as number) / 4;
      const out: PyDict = new Map();
      for (const k of keys) out.set(k, this.get(k));
      out.set('healthy_tire_pressure', avg >= 30 && avg <= 35);
      out.set('car_info', this.longContext ? toPy(filler().CAR_STATUS_METADATA_EXTENSION) : new Map());
      return out;
    });
    this.def('find_nearest_tire_shop()', () => new Map([['shopLocation', '456 Oakwood Avenue, Rivermist, 83214']]));
  }

  load(config: PyDict, longContext: boolean): void {
    this.random = new PythonRandom(cfg(config, 'random_seed', 141053) as number);
    const s = new Map<string, unknown>();
    s.set('fuelLevel', cfg(config, 'fuelLevel', 0.0));
    s.set('batteryVoltage', cfg(config, 'batteryVoltage', 12.6));
    s.set('engine_state', cfg(config, 'engineState', 'stopped'));
    const doors = cfg<PyDict>(config, 'doorStatus', new Map([['driver', 'unlocked'], ['passenger', 'unlocked'], ['rear_left', 'unlocked'], ['rear_right', 'unlocked']]));
    s.set('remainingUnlockedDoors', 4 - [...doors.values()].filter((v) => v === 'locked').length);
    s.set('doorStatus', doors);
    s.set('acTemperature', cfg(config, 'acTemperature', 25.0));
    s.set('fanSpeed', cfg(config, 'fanSpeed', 50));
    s.set('acMode', cfg(config, 'acMode', 'auto'));
    s.set('humidityLevel', cfg(config, 'humidityLevel', 50.0));
    s.set('headLightStatus', cfg(config, 'headLightStatus', 'off'));
    s.set('parkingBrakeStatus', cfg(config, 'parkingBrakeStatus', 'released'));
    this.parkingBrakeForce = cfg(config, 'parkingBrakeForce', 0.0);
    this.slopeAngle = cfg(config, 'slopeAngle', 0.0);
    s.set('brakePedalStatus', cfg(config, 'brakePedalStatus', 'released'));
    this.brakePedalForce = cfg(config, 'brakePedalForce', 0.0);
    s.set('distanceToNextVehicle', cfg(config, 'distanceToNextVehicle', 50.0));
    s.set('cruiseStatus', cfg(config, 'cruiseStatus', 'inactive'));
    s.set('destination', cfg(config, 'destination', 'None'));
    s.set('frontLeftTirePressure', cfg(config, 'frontLeftTirePressure', 32.0));
    s.set('frontRightTirePressure', cfg(config, 'frontRightTirePressure', 32.0));
    s.set('rearLeftTirePressure', cfg(config, 'rearLeftTirePressure', 30.0));
    s.set('rearRightTirePressure', cfg(config, 'rearRightTirePressure', 30.0));
    this.s = s;
    this.longContext = longContext;
  }

  state(): [string, unknown][] {
    return [...this.s.entries(), ['long_context', this.longContext]];
  }
}
