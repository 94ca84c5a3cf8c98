import { RunnelError } from '../common/errors.js';
import type { Pipeline } from '../core/pipeline.js';

/**
 * Refuses `withTimestamps` downstream of a source that stamps elements with their arrival time
 * (an MQTT source without `eventTimeField`). Such a source's watermark follows arrival time, so
 * event times taken from the payload further down are behind it and would be dropped as late
 * (about 97 % of a real stream was). The source has to read the payload's time itself.
 */
export function refuseTimestampsAfterArrivalTime(pipeline: Pipeline): void {
  const arrivalSources = new Map<number, readonly string[]>();
  for (const node of pipeline.nodes) {
    const { spec } = node;
    const upstream = [...new Set(node.inputs.flatMap((input) => arrivalSources.get(input.id) ?? []))];
    if (spec.kind === 'elementwise' && spec.stage.type === 'timestamp' && upstream.length > 0) {
      throw new RunnelError(
        'PIPELINE_INVALID',
        `"${node.name}" sets event times after the source ${upstream.map((name) => `"${name}"`).join(', ')}, which stamps each message with its arrival time; ` +
          `that source's watermark follows arrival time, so times read from the payload here would be behind it and dropped as late. ` +
          `Name the payload's time field at the source instead, e.g. mqttSource(store, { …, eventTimeField: 'at' }) or startEmbeddedBroker({ …, eventTimeField: 'at' }) ` +
          `(in Beam YAML: event_time_field: at in ReadFromMqtt's config), and remove this withTimestamps (AssignTimestamps).`,
        { stage: node.name },
      );
    }
    const produced = spec.kind === 'read' && spec.source.eventTime === 'arrival' ? [node.name] : upstream;
    for (const output of node.outputs) arrivalSources.set(output.id, produced);
  }
}
