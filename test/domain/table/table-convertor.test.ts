import { expect } from 'chai';
import { z } from 'zod';
import type { KubeObject } from '../../../src/domain/meta/types.js';
import { defineResource } from '../../../src/domain/resource/resource-definition.js';
import {
  convertToTable,
  NAME_COLUMN,
  printerColumnProblems,
} from '../../../src/domain/table/table-convertor.js';

const Gadget = defineResource({
  group: 'test.example.com',
  version: 'v1',
  kind: 'Gadget',
  plural: 'gadgets',
  scope: 'Namespaced',
  spec: z.object({
    color: z.string(),
    replicas: z.number().int(),
    size: z.number().optional(),
    paused: z.boolean().optional(),
    extra: z.unknown().optional(),
  }),
  status: z.object({
    startedAt: z.string().optional(),
    conditions: z.array(z.object({ type: z.string(), status: z.string() })).optional(),
  }),
  printerColumns: [
    { name: 'Color', type: 'string', jsonPath: '.spec.color', description: 'The color.' },
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Size', type: 'number', jsonPath: '.spec.size', priority: 1, format: 'float' },
    { name: 'Paused', type: 'boolean', jsonPath: '.spec.paused', priority: 1 },
    { name: 'Started', type: 'date', jsonPath: '.status.startedAt' },
    { name: 'Extra', type: 'string', jsonPath: '.spec.extra', priority: 2 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

const Plain = defineResource({
  group: 'test.example.com',
  version: 'v1',
  kind: 'Plain',
  plural: 'plains',
  scope: 'Cluster',
  spec: z.object({ note: z.string().optional() }),
});

const now = new Date('2025-06-01T12:00:00Z');

function gadget(name: string, spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'test.example.com/v1',
    kind: 'Gadget',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      resourceVersion: '7',
      creationTimestamp: '2025-06-01T11:55:00Z',
      labels: { app: 'shop' },
    },
    spec,
    ...(status ? { status } : {}),
  };
}

describe('convertToTable', () => {
  describe('a type with printer columns', () => {
    const full = gadget(
      'full',
      { color: 'red', replicas: 3, size: 1.5, paused: true, extra: { b: 1, a: '<x>' } },
      {
        startedAt: '2025-06-01T09:30:00.123+02:00',
        conditions: [
          { type: 'Available', status: 'True' },
          { type: 'Ready', status: 'False' },
        ],
      },
    );
    const sparse = gadget('sparse', { color: 'blue', replicas: 0 });

    it('defines Name first, then every printer column whatever its priority', () => {
      const table = convertToTable(Gadget, [], now, {});
      expect(table.kind).to.equal('Table');
      expect(table.apiVersion).to.equal('meta.k8s.io/v1');
      expect(table.rows).to.deep.equal([]);
      expect(table.columnDefinitions.map((c) => [c.name, c.type, c.format, c.priority])).to.deep.equal([
        ['Name', 'string', 'name', 0],
        ['Color', 'string', '', 0],
        ['Replicas', 'integer', '', 0],
        ['Ready', 'string', '', 0],
        ['Size', 'number', 'float', 1],
        ['Paused', 'boolean', '', 1],
        ['Started', 'date', '', 0],
        ['Extra', 'string', '', 2],
        ['Age', 'date', '', 0],
      ]);
      expect(table.columnDefinitions[0]).to.deep.equal(NAME_COLUMN);
      expect(table.columnDefinitions[1].description).to.equal('The color.');
      expect(table.columnDefinitions[2].description).to.contain('.spec.replicas');
      // -o wide is the client's business: the server always sends every column.
      expect(convertToTable(Gadget, [full], now, { wide: true })).to.deep.equal(convertToTable(Gadget, [full], now, {}));
    });

    it('renders cells by column type, ages on the given clock', () => {
      const table = convertToTable(Gadget, [full, sparse], now, {});
      expect(table.rows[0].cells).to.deep.equal([
        'full',
        'red',
        3,
        'False',
        1.5,
        true,
        '4h29m', // 4h29m59.877s: units truncate
        '{"a":"\\u003cx\\u003e","b":1}',
        '5m',
      ]);
      expect(table.rows[1].cells).to.deep.equal(['sparse', 'blue', 0, null, null, null, null, null, '5m']);
    });

    it('yields null for values of the wrong type, as Kubernetes does', () => {
      const odd = gadget('odd', { color: 7, replicas: 2.9, size: 'big', paused: 'yes', extra: null }, { startedAt: 12 });
      expect(convertToTable(Gadget, [odd], now, {}).rows[0].cells).to.deep.equal([
        'odd',
        '7',
        2,
        null,
        null,
        null,
        null,
        '<no value>',
        '5m',
      ]);
    });

    it('prints numbers in string cells as Go does', () => {
      const cellOf = (extra: unknown) =>
        convertToTable(Gadget, [gadget('n', { color: 'c', replicas: 1, extra })], now, {}).rows[0].cells[7];
      expect(cellOf(42)).to.equal('42');
      expect(cellOf(1.5)).to.equal('1.5');
      expect(cellOf(1234567.5)).to.equal('1.2345675e+06');
      expect(cellOf(0.00001)).to.equal('1e-05');
      expect(cellOf(false)).to.equal('false');
      expect(cellOf(['a', 1])).to.equal('["a",1]');
    });

    it('renders bad and future timestamps like Kubernetes', () => {
      const cellOf = (startedAt: string) =>
        convertToTable(Gadget, [gadget('t', { color: 'c', replicas: 1 }, { startedAt })], now, {}).rows[0].cells[6];
      expect(cellOf('yesterday')).to.equal('<invalid>');
      expect(cellOf('2025-02-30T00:00:00Z')).to.equal('<invalid>');
      expect(cellOf('2025-06-01 11:00:00Z')).to.equal('<invalid>');
      expect(cellOf('')).to.equal('<unknown>');
      expect(cellOf('2025-06-01T12:00:01Z')).to.equal('0s');
      expect(cellOf('2025-06-01T12:10:00Z')).to.equal('<invalid>');
      expect(cellOf('2024-02-29T12:00:00Z')).to.equal('458d');
      expect(cellOf('2025-06-01T11:58:00-00:00')).to.equal('2m');
    });

    it('carries PartialObjectMetadata by default, the object or nothing on request', () => {
      const asMetadata = convertToTable(Gadget, [full], now, {}).rows[0].object;
      expect(asMetadata).to.deep.equal({
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: full.metadata,
      });
      expect(convertToTable(Gadget, [full], now, { includeObject: 'Metadata' }).rows[0].object).to.deep.equal(asMetadata);
      expect(convertToTable(Gadget, [full], now, { includeObject: 'Object' }).rows[0].object).to.equal(full);
      const none = convertToTable(Gadget, [full], now, { includeObject: 'None' }).rows[0];
      expect(Object.keys(none)).to.deep.equal(['cells']);
    });

    it('takes the table metadata from listMeta', () => {
      expect(convertToTable(Gadget, [], now, {}).metadata).to.deep.equal({});
      const meta = { resourceVersion: '42', continue: 'tok', remainingItemCount: 3 };
      expect(convertToTable(Gadget, [], now, { listMeta: meta }).metadata).to.deep.equal(meta);
    });

    it('serializes to the JSON kubectl reads', () => {
      const json = JSON.parse(JSON.stringify(convertToTable(Gadget, [sparse], now, {})));
      expect(json.rows[0].cells[3]).to.equal(null);
      expect(json.rows[0].object.metadata.labels).to.deep.equal({ app: 'shop' });
    });
  });

  describe('a type without printer columns', () => {
    it('shows Name and Age, as Kubernetes does for CRDs without columns', () => {
      const obj: KubeObject = {
        apiVersion: 'test.example.com/v1',
        kind: 'Plain',
        metadata: { name: 'p1', creationTimestamp: '2025-05-29T10:00:00Z' },
      };
      const noTimestamp: KubeObject = { apiVersion: 'test.example.com/v1', kind: 'Plain', metadata: { name: 'p2' } };
      const table = convertToTable(Plain, [obj, noTimestamp], now, {});
      expect(table.columnDefinitions.map((c) => [c.name, c.type, c.priority])).to.deep.equal([
        ['Name', 'string', 0],
        ['Age', 'date', 0],
      ]);
      expect(table.columnDefinitions[1].description).to.match(/created/);
      expect(table.rows.map((r) => r.cells)).to.deep.equal([
        ['p1', '3d2h'],
        ['p2', null],
      ]);
    });
  });

  describe('bad columns', () => {
    const Broken = defineResource({
      group: 'test.example.com',
      version: 'v1',
      kind: 'Broken',
      plural: 'brokens',
      scope: 'Cluster',
      printerColumns: [
        { name: 'Bad', type: 'string', jsonPath: '.spec[' },
        { name: 'Good', type: 'string', jsonPath: '.metadata.name' },
      ],
    });

    it('render as null cells instead of failing the whole table', () => {
      const obj: KubeObject = { apiVersion: 'test.example.com/v1', kind: 'Broken', metadata: { name: 'b' } };
      expect(convertToTable(Broken, [obj], now, {}).rows[0].cells).to.deep.equal(['b', null, 'b']);
    });

    it('are reported by printerColumnProblems', () => {
      expect(printerColumnProblems(Gadget.printerColumns)).to.deep.equal([]);
      const problems = printerColumnProblems([
        ...Broken.printerColumns,
        { name: 'Good', type: 'string', jsonPath: '.a' },
        { name: 'Name', type: 'string', jsonPath: '.a' },
        { name: '', type: 'text' as 'string', jsonPath: '.a', priority: -1 },
      ]);
      expect(problems).to.have.length(6);
      expect(problems[0]).to.match(/^printerColumns\[0\]\.jsonPath: invalid JSONPath/);
      expect(problems.join('\n')).to.contain('duplicate column "Good"');
      expect(problems.join('\n')).to.contain('duplicate column "Name"');
      expect(problems.join('\n')).to.contain('printerColumns[4].type');
      expect(problems.join('\n')).to.contain('printerColumns[4].priority');
    });
  });
});
