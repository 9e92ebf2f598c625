import { createHash } from 'node:crypto';
import type { ServedResource } from '../../../ports/resource-api.port.js';
import type { ServedGroup } from '../discovery/served-groups.js';
import type { Schema } from './meta-schemas.js';
import { buildOpenApiV2 } from './openapi-v2-document.js';
import { encodeOpenApiV2Protobuf } from './openapi-v2-protobuf.js';
import { buildOpenApiV3, type OpenApiInfo } from './openapi-v3-document.js';

/** A rendered document: the JSON text and its content hash (an ETag, and the `hash` of its URL). */
export interface RenderedDocument {
  json: string;
  hash: string;
}

/**
 * The OpenAPI documents of the served groups, rendered once on first use: the `/openapi/v3`
 * index, one v3 document per group-version, and the merged v2 document (JSON and protobuf).
 */
export class OpenApiDocuments {
  private readonly v3 = new Map<string, RenderedDocument>();
  private v2: RenderedDocument | undefined;
  private v2pb: { bytes: Buffer; hash: string } | undefined;
  private index: RenderedDocument | undefined;

  constructor(
    private readonly groups: () => readonly ServedGroup[],
    private readonly info: OpenApiInfo,
  ) {}

  /** The `/openapi/v3` index: every group-version path with its hash-pinned URL. */
  v3Index(): RenderedDocument {
    if (!this.index) {
      const paths: Record<string, { serverRelativeURL: string }> = {};
      for (const g of this.groups()) {
        for (const v of g.versions) {
          const key = gvPath(g.name, v.version);
          const doc = this.groupVersion(g.name, v.version)!;
          paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` };
        }
      }
      this.index = render({ paths });
    }
    return this.index;
  }

  /** The v3 document of one group-version; undefined when it is not served. */
  groupVersion(group: string, version: string): RenderedDocument | undefined {
    const key = gvPath(group, version);
    let doc = this.v3.get(key);
    if (!doc) {
      const resources = this.resourcesOf(group, version);
      if (!resources) return undefined;
      doc = render(buildOpenApiV3(group, version, resources, this.info));
      this.v3.set(key, doc);
    }
    return doc;
  }

  /** The v2 document as gnostic's openapi_v2.Document protobuf, and the hash of those bytes. */
  v2Protobuf(): { bytes: Buffer; hash: string } {
    if (!this.v2pb) {
      const bytes = Buffer.from(encodeOpenApiV2Protobuf(JSON.parse(this.v2Document().json) as Schema));
      this.v2pb = { bytes, hash: createHash('sha512').update(bytes).digest('hex').toUpperCase() };
    }
    return this.v2pb;
  }

  v2Document(): RenderedDocument {
    if (!this.v2) {
      const docs: Schema[] = [];
      for (const g of this.groups()) {
        for (const v of g.versions) docs.push(JSON.parse(this.groupVersion(g.name, v.version)!.json) as Schema);
      }
      this.v2 = render(buildOpenApiV2(docs, this.info));
    }
    return this.v2;
  }

  private resourcesOf(group: string, version: string): readonly ServedResource[] | undefined {
    return this.groups()
      .find((g) => g.name === group)
      ?.versions.find((v) => v.version === version)?.resources;
  }
}

function gvPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

function render(doc: object): RenderedDocument {
  const json = JSON.stringify(doc);
  return { json, hash: createHash('sha512').update(json).digest('hex').toUpperCase() };
}
