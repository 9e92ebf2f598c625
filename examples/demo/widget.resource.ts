import { z } from 'zod';
import { defineResource, fieldError, listTypeMap } from 'apiserver-kit';

const condition = z.object({
  type: z.string().min(1).describe('Type of the condition, e.g. Ready.'),
  status: z.enum(['True', 'False', 'Unknown']).describe('Status of the condition: True, False or Unknown.'),
  reason: z.string().optional().describe('A CamelCase reason for the last transition.'),
  message: z.string().optional().describe('A human-readable message about the last transition.'),
  lastTransitionTime: z.string().optional().describe('When the condition last changed status (RFC 3339).'),
});

const widgetStatus = z
  .object({
    replicas: z.number().int().min(0).optional().describe('Observed number of replicas.'),
    conditions: z
      .array(condition)
      .meta(listTypeMap('type'))
      .optional()
      .describe('Observations of the widget state, one per type.'),
  })
  .describe('Observed state of the widget.');

const color = z.enum(['red', 'green', 'blue']).default('red').describe('Color of the widget.');

/** How many replicas each v1alpha1 size stands for. */
const SIZE_REPLICAS = { small: 1, medium: 3, large: 5 } as const;
type Size = keyof typeof SIZE_REPLICAS;

function sizeOf(replicas: number): Size {
  return replicas <= 1 ? 'small' : replicas <= 3 ? 'medium' : 'large';
}

/**
 * A namespaced example type with status and scale subresources, served in two versions: v1
 * (the hub and the storage version) counts replicas; the older, deprecated v1alpha1 has a
 * `size` instead. A v1alpha1 client that changes only the color keeps v1's exact replicas.
 */
export const Widget = defineResource({
  group: 'demo.example.com',
  kind: 'Widget',
  plural: 'widgets',
  shortNames: ['wd'],
  categories: ['demo'],
  scope: 'Namespaced',
  description: 'A Widget is an example namespaced resource with a color and a number of replicas.',
  subresources: {
    status: true,
    scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
  },
  selectableFields: ['spec.color'],
  hub: 'v1',
  versions: {
    v1: {
      storage: true,
      spec: z
        .object({
          color,
          replicas: z.number().int().min(0).default(1).describe('Desired number of replicas.'),
        })
        .describe('Desired state of the widget.'),
      status: widgetStatus,
      printerColumns: [
        { name: 'Color', type: 'string', jsonPath: '.spec.color', description: 'Color of the widget' },
        { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', description: 'Desired replicas' },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ],
    },
    v1alpha1: {
      deprecated: true,
      spec: z
        .object({
          color,
          size: z.enum(['small', 'medium', 'large']).default('small').describe('Size of the widget: small (1 replica), medium (3) or large (5).'),
        })
        .describe('Desired state of the widget.'),
      status: widgetStatus,
      // No replica count to scale in this version: status only.
      subresources: { status: true },
      printerColumns: [
        { name: 'Color', type: 'string', jsonPath: '.spec.color', description: 'Color of the widget' },
        { name: 'Size', type: 'string', jsonPath: '.spec.size', description: 'Size of the widget' },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ],
    },
  },
  conversion: {
    v1alpha1: {
      toHub: (w) => ({ ...w, spec: { color: w.spec.color, replicas: SIZE_REPLICAS[w.spec.size] } }),
      fromHub: (w) => ({ ...w, spec: { color: w.spec.color, size: sizeOf(w.spec.replicas) } }),
    },
  },
  strategy: {
    validate(obj) {
      // An example of a rule zod cannot express alone: a cross-field check.
      if (obj.spec.color === 'blue' && obj.spec.replicas > 10) {
        return [fieldError.invalid('spec.replicas', obj.spec.replicas, 'blue widgets are limited to 10 replicas')];
      }
    },
  },
});

/** Widget as v1alpha1 clients see it. */
export const WidgetV1alpha1 = Widget.forVersion('v1alpha1');

/** A cluster-scoped example type. */
export const Gadget = defineResource({
  group: 'demo.example.com',
  version: 'v1',
  kind: 'Gadget',
  plural: 'gadgets',
  scope: 'Cluster',
  description: 'A Gadget is an example cluster-scoped resource.',
  spec: z.object({
    size: z.string().describe('Size of the gadget, e.g. small or large.'),
  }),
  printerColumns: [
    { name: 'Size', type: 'string', jsonPath: '.spec.size' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});
