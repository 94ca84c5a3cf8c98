import { Combine } from './combine.js';
import { Create } from './create.js';
import { Explode } from './explode.js';
import { Clip, FftBands, Impute, Lags, Rolling, ScaleRobust, ScaleToMinMax, ScaleToZScore, WindowStats } from './feature-steps.js';
import { ReadFromCsv, ReadFromJson, ReadFromText, WriteToCsv, WriteToJson, WriteToText } from './files.js';
import { Filter } from './filter.js';
import { LogForTesting } from './log-for-testing.js';
import { MapToFields } from './map-to-fields.js';
import { ReadFromMqtt, WriteToMqtt } from './mqtt.js';
import { Partition } from './partition.js';
import { RunInference } from './run-inference.js';
import { NO_CONFIG } from '../schema/parts.js';
import { AssignTimestamps, ExtractWindowingInfo } from './timestamps.js';
import { WriteSamples } from './write-samples.js';
import type { YamlTransform } from './yaml-transform.js';

/** Passes its input on: `Flatten` (its inputs are merged before it) and `WindowInto` (its `windowing:` is applied before it). */
const identity: YamlTransform = { kind: 'step', configSchema: NO_CONFIG, build: (input) => input };

/** The Beam YAML transform types Runnel runs, by `type:`. */
export const YAML_TRANSFORMS: Readonly<Record<string, YamlTransform>> = {
  Create,
  MapToFields,
  Filter,
  Explode,
  Flatten: identity,
  Partition,
  Combine,
  AssignTimestamps,
  WindowInto: identity,
  ExtractWindowingInfo,
  LogForTesting,
  ReadFromCsv,
  WriteToCsv,
  ReadFromJson,
  WriteToJson,
  ReadFromText,
  WriteToText,
  ReadFromMqtt,
  WriteToMqtt,
  RunInference,
  WriteSamples,
  WindowStats,
  FftBands,
  ScaleToZScore,
  ScaleToMinMax,
  ScaleRobust,
  Impute,
  Clip,
  Lags,
  Rolling,
};

export type { BuildContext, MqttEgress, StepOutputs, YamlTransform } from './yaml-transform.js';
