// Every backlog source type, as one config schema (lib/config embeds it) and one factory.

import { z } from 'zod';
import type { BacklogSource } from './source';
import {
  CloudWatchSourceConfigSchema,
  type CloudWatchSourceDeps,
  createCloudWatchSource,
} from './sources/cloudwatch';
import { createHttpSource, HttpSourceConfigSchema, type HttpSourceDeps } from './sources/http';
import {
  createModelArtsWorkloadsSource,
  ModelArtsWorkloadsSourceConfigSchema,
  type ModelArtsWorkloadsSourceDeps,
} from './sources/modelarts-workloads';
import {
  createPrometheusSource,
  PrometheusSourceConfigSchema,
  type PrometheusSourceDeps,
} from './sources/prometheus';
import { createSqsSource, SqsSourceConfigSchema, type SqsSourceDeps } from './sources/sqs';
import { createStaticSource, StaticSourceConfigSchema, type StaticSourceDeps } from './sources/static';

export const BacklogSourceConfigSchema = z.discriminatedUnion('type', [
  ModelArtsWorkloadsSourceConfigSchema,
  SqsSourceConfigSchema,
  CloudWatchSourceConfigSchema,
  PrometheusSourceConfigSchema,
  HttpSourceConfigSchema,
  StaticSourceConfigSchema,
]);

/** A source config after parsing (defaults filled). */
export type BacklogSourceConfig = z.output<typeof BacklogSourceConfigSchema>;
/** A source config as written by the user. */
export type BacklogSourceConfigInput = z.input<typeof BacklogSourceConfigSchema>;
export type BacklogSourceType = BacklogSourceConfig['type'];

export type BacklogSourceDeps = ModelArtsWorkloadsSourceDeps &
  SqsSourceDeps &
  CloudWatchSourceDeps &
  PrometheusSourceDeps &
  HttpSourceDeps &
  StaticSourceDeps;

export function createSource(config: BacklogSourceConfig, deps: BacklogSourceDeps = {}): BacklogSource {
  switch (config.type) {
    case 'modelarts-workloads':
      return createModelArtsWorkloadsSource(config, deps);
    case 'sqs':
      return createSqsSource(config, deps);
    case 'cloudwatch':
      return createCloudWatchSource(config, deps);
    case 'prometheus':
      return createPrometheusSource(config, deps);
    case 'http':
      return createHttpSource(config, deps);
    case 'static':
      return createStaticSource(config, deps);
  }
}
