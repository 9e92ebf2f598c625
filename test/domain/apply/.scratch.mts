import { z } from 'zod';
const cond = z.object({ type: z.string(), status: z.string().default('Unknown') });
const arr = z.array(cond).meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });
const s = z.object({ conditions: arr.optional(), tags: z.array(z.string()).meta({'x-kubernetes-list-type':'set'}).default([]), obj: z.object({a: z.string()}).meta({'x-kubernetes-map-type':'atomic'}), rec: z.record(z.string(), z.number()), n: z.number().nullable() });
console.log(JSON.stringify(z.toJSONSchema(s, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }), null, 1));
console.log(z.globalRegistry.get(arr), (s.shape.conditions as any)._zod.def.type, (s.shape.conditions as any)._zod.def.innerType === arr);
console.log(Object.keys((cond.shape.status as any)._zod.def), (cond.shape.status as any)._zod.def.defaultValue);
console.log((s.shape.rec as any)._zod.def.keyType._zod.def.type, (s as any)._zod.def.catchall);
console.log(z.object({}).loose()._zod.def.catchall?._zod.def.type, z.object({}).strict()._zod.def.catchall?._zod.def.type);
