import { z } from 'zod';
import { listTypeMap, listTypeSet, mapTypeAtomic } from '../../../src/domain/apply/list-type-meta.js';
import { schemaShape } from '../../../src/domain/apply/shape-from-zod.js';
import { defineResource } from '../../../src/domain/resource/resource-definition.js';

const Condition = z.object({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().optional(),
  message: z.string().optional(),
});

const Port = z.object({
  containerPort: z.number().int(),
  protocol: z.string().default('TCP'),
  name: z.string().optional(),
});

export const WidgetSpec = z.object({
  replicas: z.number().int().optional(),
  color: z.string().optional(),
  size: z.string().optional(),
  tags: z.array(z.string()).meta(listTypeSet()).optional(),
  args: z.array(z.string()).optional(),
  ports: z.array(Port).meta(listTypeMap('containerPort', 'protocol')).optional(),
  selector: z.object({ app: z.string().optional(), tier: z.string().optional() }).meta(mapTypeAtomic()).optional(),
  config: z.record(z.string(), z.string()).optional(),
  template: z
    .object({
      image: z.string().optional(),
      env: z.array(z.object({ name: z.string(), value: z.string().optional() })).meta(listTypeMap('name')).optional(),
    })
    .optional(),
});

export const WidgetStatus = z.object({
  phase: z.string().optional(),
  conditions: z.array(Condition).meta(listTypeMap('type')).optional(),
});

export const Widget = defineResource({
  group: 'demo.example.com',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  scope: 'Namespaced',
  spec: WidgetSpec,
  status: WidgetStatus,
  subresources: { status: true },
});

/** The same type with status written through the main resource (no status subresource). */
export const Plain = defineResource({
  group: 'demo.example.com',
  version: 'v1',
  kind: 'Plain',
  plural: 'plains',
  scope: 'Namespaced',
  spec: WidgetSpec,
  status: WidgetStatus,
});

export const API_VERSION = 'demo.example.com/v1';
export const widgetShape = schemaShape(Widget);
export const plainShape = schemaShape(Plain);

export const T0 = '2024-05-01T10:00:00Z';
export const T1 = '2024-05-01T10:01:00Z';
export const T2 = '2024-05-01T10:02:00Z';
export const T3 = '2024-05-01T10:03:00Z';

/** A Widget config as a client sends it. */
export function widget(spec: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { metadata, ...rest } = extra;
  return {
    apiVersion: API_VERSION,
    kind: 'Widget',
    metadata: { name: 'w', namespace: 'default', ...(metadata as object | undefined) },
    spec,
    ...rest,
  };
}

import type { ManagedFieldsEntry } from '../../../src/domain/meta/types.js';
import { parseFieldsV1 } from '../../../src/domain/apply/fields-v1.js';
import { formatFieldPath } from '../../../src/domain/apply/path-element.js';

/** The entry of a manager and operation (and subresource), or undefined. */
export function entryOf(
  entries: readonly ManagedFieldsEntry[],
  manager: string,
  operation: 'Apply' | 'Update',
  subresource?: string,
): ManagedFieldsEntry | undefined {
  return entries.find((e) => e.manager === manager && e.operation === operation && e.subresource === subresource);
}

/** The paths a manager owns, as conflict messages print them ([] when it has no entry). */
export function owned(entries: readonly ManagedFieldsEntry[], manager: string, operation: 'Apply' | 'Update', subresource?: string): string[] {
  const e = entryOf(entries, manager, operation, subresource);
  return e ? parseFieldsV1(e.fieldsV1).paths().map(formatFieldPath) : [];
}
