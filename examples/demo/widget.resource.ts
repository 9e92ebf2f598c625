import { z } from 'zod';
import { defineResource, fieldError, listTypeMap } from 'apiserver-kit';

const condition = z.object({
  type: z.string().min(1).describe('Type of the condition, e.g. Ready.'),
  status: z.enum(['True', 'False', 'Unknown']).describe('Status of the condition: True, False or Unknown.'),
  reason: z.string().optional().describe('A CamelCase reason for the last transition.'),
  message: z.string().optional().describe('A human-readable message about the last transition.'),
  lastTransitionTime: z.string().optional().describe('When the condition last changed status (RFC 3339).'),
});

/** A namespaced example type with status and scale subresources. */
export const Widget = defineResource({
  group: 'demo.example.com',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  shortNames: ['wd'],
  categories: ['demo'],
  scope: 'Namespaced',
  description: 'A Widget is an example namespaced resource with a color and a number of replicas.',
  spec: z
    .object({
      color: z.enum(['red', 'green', 'blue']).default('red').describe('Color of the widget.'),
      replicas: z.number().int().min(0).default(1).describe('Desired number of replicas.'),
    })
    .describe('Desired state of the widget.'),
  status: z
    .object({
      replicas: z.number().int().min(0).optional().describe('Observed number of replicas.'),
      conditions: z
        .array(condition)
        .meta(listTypeMap('type'))
        .optional()
        .describe('Observations of the widget state, one per type.'),
    })
    .describe('Observed state of the widget.'),
  subresources: {
    status: true,
    scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
  },
  printerColumns: [
    { name: 'Color', type: 'string', jsonPath: '.spec.color', description: 'Color of the widget' },
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', description: 'Desired replicas' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  selectableFields: ['spec.color'],
  strategy: {
    validate(obj) {
      // An example of a rule zod cannot express alone: a cross-field check.
      if (obj.spec.color === 'blue' && obj.spec.replicas > 10) {
        return [fieldError.invalid('spec.replicas', obj.spec.replicas, 'blue widgets are limited to 10 replicas')];
      }
    },
  },
});

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
