import { mqttSource } from '../../io/mqtt/source.js';
import { writeOutbox } from '../../io/outbox.js';
import { describe, type ConfigReader } from '../config.js';
import { parseDuration } from '../duration.js';
import type { Row } from '../expressions.js';
import { configOf, DURATION, NAME } from '../schema/parts.js';
import type { BuildContext, YamlTransform } from './yaml-transform.js';

/** Beam's MQTT URIs (`tcp://`, `ssl://`) and mqtt.js's, as mqtt.js takes them. */
const SCHEMES: Readonly<Record<string, string>> = { 'tcp:': 'mqtt:', 'ssl:': 'mqtts:', 'mqtt:': 'mqtt:', 'mqtts:': 'mqtts:', 'ws:': 'ws:', 'wss:': 'wss:' };

/** `connection_configuration:`, the shape of Beam's MqttIO schema transform. */
const CONNECTION = configOf(
  {
    server_uri: {
      type: 'string',
      pattern: `^(${Object.keys(SCHEMES)
        .map((s) => s.slice(0, -1))
        .join('|')})://`,
      expected: 'tcp://host:port (or ssl://, mqtt://, mqtts://, ws://, wss://)',
    },
    topic: NAME,
    client_id: NAME,
    username: NAME,
    password: NAME,
  },
  ['server_uri', 'topic', 'client_id'],
);

function brokerUrl(connection: ConfigReader): string {
  const uri = connection.string('server_uri');
  const scheme = /^[a-z]+:/.exec(uri)![0];
  return SCHEMES[scheme]! + uri.slice(scheme.length);
}

/**
 * `ReadFromMqtt`: a durable MQTT subscription, configured as Beam's MqttIO schema transform is
 * (`connection_configuration: { server_uri, topic, client_id, username, password }`). Every
 * message is committed to the run's database before it is acknowledged, and the pipeline reads it
 * from there (`mqttSource`), so the run needs a database (`runnel run --db`) and resumes from it.
 * JSON payloads become rows, with the topic's named levels (`sensors/+device/temp` adds `device`);
 * `event_time_field` names the payload's event time (epoch ms or ISO 8601; default: arrival time),
 * `max_lateness` the disorder the watermark waits for.
 */
export const ReadFromMqtt: YamlTransform = {
  kind: 'root',
  configSchema: configOf({ connection_configuration: CONNECTION, event_time_field: NAME, max_lateness: DURATION }, ['connection_configuration']),
  build(begin, { config, spec, store, onIngest }: BuildContext) {
    const connection = config.child('connection_configuration');
    if (store === undefined) {
      throw config.error(
        'connection_configuration',
        'ReadFromMqtt commits each message to a database before acknowledging it: run the pipeline with one (runnel run <pipeline.yaml> --db <file>)',
      );
    }
    const maxLateness = parseDuration(config.raw('max_lateness')) ?? 0;
    const eventTimeField = config.optionalString('event_time_field');
    const username = connection.optionalString('username');
    const password = connection.optionalString('password');
    const name = spec.name ?? 'ReadFromMqtt';
    return begin.pipeline.apply(
      mqttSource(store, {
        name,
        topics: connection.string('topic'),
        connection: {
          url: brokerUrl(connection),
          clientId: connection.string('client_id'),
          ...(username === undefined ? {} : { username }),
          ...(password === undefined ? {} : { password }),
        },
        maxLateness,
        ...(eventTimeField === undefined ? {} : { eventTimeField }),
        ...(onIngest ? { onStart: (ingest) => onIngest(name, ingest.stats) } : {}),
      }),
    );
  },
};

/** `{field}` in a topic, filled from the row. */
const PLACEHOLDER = /\{([^{}]+)\}/g;

/** The topic of a row: the configured topic with each `{field}` replaced by the row's value. */
function topicOf(template: string): (row: Row) => string {
  if (!/\{[^{}]+\}/.test(template)) return () => template;
  return (row) =>
    template.replace(PLACEHOLDER, (_, field: string) => {
      const value = row[field];
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw new Error(`the topic ${template} needs a field "${field}" with a value, got ${describe(value)}`);
    });
}

/**
 * `WriteToMqtt`: publishes each row as JSON, configured as Beam's MqttIO write
 * (`connection_configuration: { server_uri, topic, client_id, username, password }`, `retain`).
 * Rows go to the run's outbox in the step that made them and an MQTT sink publishes them (at
 * least once, QoS 1, each with its output id as the MQTT 5 user property `runnel-output-id`), so
 * the run needs a database (`runnel run --db`); what was not yet delivered is sent after a
 * restart. A Runnel extension: `{field}` in `topic` takes the row's value (`alerts/{device}`).
 */
export const WriteToMqtt: YamlTransform = {
  kind: 'sink',
  configSchema: configOf({ connection_configuration: CONNECTION, retain: { type: 'boolean', expected: 'true or false' } }, ['connection_configuration']),
  build(input, { config, scope, store, publish }: BuildContext) {
    const connection = config.child('connection_configuration');
    if (store === undefined || publish === undefined) {
      throw config.error(
        'connection_configuration',
        'WriteToMqtt sends rows through the database so none is lost: run the pipeline with one (runnel run <pipeline.yaml> --db <file>)',
      );
    }
    const username = connection.optionalString('username');
    const password = connection.optionalString('password');
    input.apply(writeOutbox<Row>().withName(OUTBOX));
    publish({
      stage: `${scope}/${OUTBOX}`,
      url: brokerUrl(connection),
      clientId: connection.string('client_id'),
      topic: topicOf(connection.string('topic')),
      retain: config.boolean('retain', false),
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
    });
  },
};

/** The name of `WriteToMqtt`'s outbox step inside the transform's scope. */
const OUTBOX = 'outbox';
