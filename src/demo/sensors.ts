/**
 * Simulated machines for the demo: each one publishes QoS 1 JSON readings
 * `{ at, temp, vibration }` to `sensors/<id>/readings`. A machine's load follows a compressed
 * day (a two-minute cycle) plus the load of its current job; vibration tracks the load, and the
 * temperature relaxes towards 20 °C + 30 °C × load with a 4 s time constant; jobs change
 * every twenty seconds or so. So the next
 * window's mean temperature is a learnable (linear) function of this window's temperature and
 * vibration. A small share of payloads is malformed, the way real loggers fail.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { seededRandom } from '../common/random.js';

/** Options of `startSensors`. */
export interface SensorOptions {
  readonly sensors: number;
  /** Readings per second per sensor. */
  readonly rate: number;
  readonly seed?: number;
  /** Share of malformed payloads (default 0.01). */
  readonly malformedFraction?: number;
}

/** The kinds of malformed payloads sent, each counted. */
export const MALFORMED_KINDS = ['not JSON', 'no event time', 'temperature not a number'] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

/** What the sensors sent so far. */
export interface SensorStats {
  published: number;
  /** QoS 1 publishes the broker acknowledged (PUBACK). */
  acknowledged: number;
  malformed: Record<MalformedKind, number>;
  /** Ticks skipped because too many publishes awaited their PUBACK (the broker holding acks). */
  heldBack: number;
}

/** Running simulated sensors. */
export interface Sensors {
  readonly stats: Readonly<SensorStats>;
  /** Stops publishing, waits (up to `graceMs`) for outstanding PUBACKs, disconnects. */
  stop(graceMs?: number): Promise<void>;
}

/** Seconds of a compressed day: the load cycle every machine follows. */
const DAY_S = 120;
/** Temperature time constant, s. */
const TAU_S = 4;
/** Most publishes a sensor leaves unacknowledged before it skips ticks. */
const MAX_IN_FLIGHT = 1000;

/** One machine's state: load, temperature, and its own phase in the day. */
class Machine {
  temp: number;
  #jobLoad = 0;
  readonly #phase: number;

  constructor(private readonly random: () => number) {
    this.#phase = random() * 2 * Math.PI;
    this.temp = 20 + 30 * this.load(Date.now() / 1000) + (random() - 0.5);
  }

  load(t: number): number {
    const daily = 0.5 + 0.3 * Math.sin((2 * Math.PI * t) / DAY_S + this.#phase);
    return Math.min(1, Math.max(0, daily + this.#jobLoad));
  }

  /** Advances `dt` seconds to time `t` and returns a reading. */
  step(t: number, dt: number, gauss: () => number): { temp: number; vibration: number } {
    if (this.random() < dt / 20) this.#jobLoad = (this.random() - 0.5) * 0.6; // a job change every ~20 s
    const load = this.load(t);
    this.temp += ((20 + 30 * load - this.temp) * dt) / TAU_S;
    return { temp: round(this.temp + 0.3 * gauss(), 2), vibration: round(Math.abs(2 * load + 0.2 * gauss()), 3) };
  }
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

/** Connects one MQTT 3.1.1 client per sensor to `url` and starts publishing. */
export async function startSensors(url: string, options: SensorOptions): Promise<Sensors> {
  const { sensors, rate } = options;
  const random = seededRandom(options.seed ?? 1);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const malformedFraction = options.malformedFraction ?? 0.01;
  const machines = Array.from({ length: sensors }, () => new Machine(random));
  const clients: MqttClient[] = await Promise.all(machines.map((_, i) => mqtt.connectAsync(url, { clientId: `demo-sensor-${i}`, protocolVersion: 4, reconnectPeriod: 500 })));
  const stats: SensorStats = { published: 0, acknowledged: 0, malformed: { 'not JSON': 0, 'no event time': 0, 'temperature not a number': 0 }, heldBack: 0 };
  const inFlight = new Array<number>(sensors).fill(0);
  const dt = 1 / rate;

  const payload = (i: number, at: number): string => {
    const reading = machines[i]!.step(at / 1000, dt, gauss);
    if (random() >= malformedFraction) return JSON.stringify({ at, ...reading });
    const kind = MALFORMED_KINDS[Math.floor(random() * MALFORMED_KINDS.length)]!;
    stats.malformed[kind]++;
    if (kind === 'not JSON') return `at=${at};temp=${reading.temp}`; // a logger's own format
    if (kind === 'no event time') return JSON.stringify(reading);
    return JSON.stringify({ at, temp: 'ERR', vibration: reading.vibration }); // an error marker
  };

  const tick = (): void => {
    const at = Date.now();
    clients.forEach((client, i) => {
      if (inFlight[i]! >= MAX_IN_FLIGHT) return void stats.heldBack++;
      inFlight[i]!++;
      stats.published++;
      client.publish(`sensors/sensor-${String(i).padStart(3, '0')}/readings`, payload(i, at), { qos: 1 }, (error) => {
        inFlight[i]!--;
        if (!error) stats.acknowledged++;
      });
    });
  };
  const timer = setInterval(tick, 1000 / rate);

  return {
    stats,
    async stop(graceMs = 2000) {
      clearInterval(timer);
      const until = Date.now() + graceMs;
      while (inFlight.some((n) => n > 0) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
      await Promise.all(clients.map((c) => c.endAsync(true)));
    },
  };
}
