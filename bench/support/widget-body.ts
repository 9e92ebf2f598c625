/**
 * The one request body every create in the bench sends, kit and baselines alike: a Widget of
 * the demo API with labels and an annotation, about 400 bytes, the size of a small real
 * Kubernetes object. Only the name changes.
 */
export const WIDGETS_PATH = '/apis/demo.example.com/v1/namespaces/default/widgets';

const NOTE = 'created by npm run bench; this annotation gives the body the size of a small real object '.repeat(2).trim();

export function widgetJson(name: string): string {
  return JSON.stringify(widgetObject(name));
}

export function widgetObject(name: string): {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: { color: 'blue'; replicas: number };
} {
  return {
    apiVersion: 'demo.example.com/v1',
    kind: 'Widget',
    metadata: {
      name,
      namespace: 'default',
      labels: { app: 'bench', tier: 'backend', bench: name.startsWith('obj-') ? 'preload' : 'load' },
      annotations: { 'bench.example.com/note': NOTE },
    },
    spec: { color: 'blue', replicas: 3 },
  };
}

/**
 * The JSON a server stores for that body: the metadata it sets added (uid, creation time,
 * generation, resourceVersion). Raw storage baselines write this, so both sides store the
 * same bytes.
 */
export function storedWidgetJson(name: string, uid: string, revision: number): string {
  const obj = widgetObject(name);
  return JSON.stringify({
    ...obj,
    metadata: {
      ...obj.metadata,
      uid,
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      generation: 1,
      resourceVersion: String(revision),
    },
  });
}
