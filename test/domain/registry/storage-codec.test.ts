/**
 * The storage codec passes on the stored JSON of list items in the hub version without parsing
 * them (their JSON starts with the hub's apiVersion, as the registry writes objects), and
 * converts items stored in another version.
 */
import { expect } from 'chai';
import type { ListResult, ObjectStore } from '../../../src/ports/object-store.port.js';
import { StorageCodec } from '../../../src/domain/registry/storage-codec.js';
import type { KubeObject } from '../../../src/domain/meta/types.js';
import { Widget } from '../../../examples/demo/widget.resource.js';

function listing(items: { key: string; json: string }[]): ObjectStore {
  const parsed: string[] = [];
  const store = {
    name: 'test',
    parsed,
    async list(): Promise<ListResult> {
      return {
        revision: 5,
        items: items.map((i) => ({
          key: i.key,
          json: i.json,
          get object() {
            parsed.push(i.key);
            return JSON.parse(i.json) as KubeObject;
          },
        })),
      } as ListResult;
    },
  };
  return store as unknown as ObjectStore;
}

describe('registry: the storage codec in lists', () => {
  it('passes hub JSON on unparsed and converts other versions', async () => {
    const hub = '{"apiVersion":"demo.example.com/v1","kind":"Widget","metadata":{"name":"a","namespace":"default"},"spec":{"color":"red","replicas":3}}';
    const old = '{"apiVersion":"demo.example.com/v1alpha1","kind":"Widget","metadata":{"name":"b","namespace":"default"},"spec":{"color":"red","size":"large"}}';
    const reordered = '{"kind":"Widget","apiVersion":"demo.example.com/v1","metadata":{"name":"c","namespace":"default"},"spec":{"color":"red","replicas":1}}';
    const backing = listing([
      { key: 'a', json: hub },
      { key: 'b', json: old },
      { key: 'c', json: reordered },
    ]);
    const codec = new StorageCodec(backing, Widget.versions);
    const { items } = await codec.list('/');
    expect(items[0].json).to.equal(hub);
    expect((backing as unknown as { parsed: string[] }).parsed).to.deep.equal([]);
    // Another version: no JSON to pass on; the object comes out converted to the hub.
    expect(items[1].json).to.equal(undefined);
    expect(items[1].object.apiVersion).to.equal('demo.example.com/v1');
    expect((items[1].object as unknown as { spec: { replicas: number } }).spec.replicas).to.equal(5);
    // Hub JSON with its keys in another order is still recognised, by parsing it.
    expect(items[2].json).to.equal(reordered);
    expect((backing as unknown as { parsed: string[] }).parsed).to.include('c');
  });
});
