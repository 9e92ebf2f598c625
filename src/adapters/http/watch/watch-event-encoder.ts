import type { KubeObject, WatchEvent } from '../../../domain/meta/types.js';
import { knownJson } from '../../../ports/known-json.js';
import { formatKey, type OutputFormat } from '../negotiation/output-format.js';
import { emptyTable, partialObject, tableOfObject, type TransformContext } from '../response/output-transform.js';

/**
 * Encodes watch events as newline-terminated JSON frames in the negotiated shape. Watchers of
 * one collection receive the same object for one change, so frames are cached by that object:
 * one change is serialized once per shape, however many watchers receive it. The cache holds
 * nothing alive: it is keyed weakly by the object.
 */
export class WatchEventEncoder {
  private readonly frames = new WeakMap<object, Map<string, Buffer>>();

  encode(event: WatchEvent, format: OutputFormat, tc: TransformContext): Buffer {
    return this.forFormat(format, tc)(event);
  }

  /** An encoder for one watch: the shape of its frames is worked out once, not per event. */
  forFormat(format: OutputFormat, tc: TransformContext): (event: WatchEvent) => Buffer {
    const shapeKey = `|${formatKey(format)}|${format.kind === 'table' ? (tc.tableOptions.includeObject ?? '') : ''}`;
    return (event) => this.encodeShaped(event, format, tc, shapeKey);
  }

  private encodeShaped(event: WatchEvent, format: OutputFormat, tc: TransformContext, shapeKey: string): Buffer {
    const obj = event.object as object;
    if (typeof obj !== 'object' || obj === null) return this.render(event, format, tc);
    const key = event.type + shapeKey;
    let byShape = this.frames.get(obj);
    if (!byShape) {
      byShape = new Map();
      this.frames.set(obj, byShape);
    }
    let frame = byShape.get(key);
    if (!frame) {
      frame = this.render(event, format, tc);
      byShape.set(key, frame);
    }
    return frame;
  }

  private render(event: WatchEvent, format: OutputFormat, tc: TransformContext): Buffer {
    const object = shape(event, format, tc);
    const known = knownJson(object);
    // The type is one of a few fixed words, so the frame can be put together around a stored object's text.
    const text = known !== undefined ? `{"type":${JSON.stringify(event.type)},"object":${known}}` : JSON.stringify({ type: event.type, object });
    return Buffer.from(`${text}\n`, 'utf8');
  }
}

function shape(event: WatchEvent, format: OutputFormat, tc: TransformContext): unknown {
  const obj = event.object as KubeObject;
  if (event.type === 'ERROR' || format.kind === 'object') return obj;
  if (format.kind === 'partial') return partialObject(obj, format.version);
  if (event.type === 'BOOKMARK') return emptyTable(obj.metadata?.resourceVersion, format.version);
  return tableOfObject(obj, format.version, tc);
}
