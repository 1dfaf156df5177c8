import type { StandardSchemaV1 } from '@standard-schema/spec';
import {
  PayloadNotJsonError,
  PayloadTooLargeError,
  PayloadValidationError,
  type PayloadIssue,
} from './errors.js';
import type { ClassSchema, PayloadSchema } from './task.types.js';

type ClassValidatorModule = typeof import('class-validator');
type ClassTransformerModule = typeof import('class-transformer');

let classTools:
  Promise<{ validator: ClassValidatorModule; transformer: ClassTransformerModule }> | undefined;
let loadedClassTools: Awaited<NonNullable<typeof classTools>> | undefined;

/** class-validator and class-transformer are optional peers, loaded on first use. */
function loadClassTools() {
  classTools ??= Promise.all([import('class-validator'), import('class-transformer')]).then(
    ([validator, transformer]) => (loadedClassTools = { validator, transformer }),
  );
  return classTools;
}

export function isStandardSchema(schema: unknown): schema is StandardSchemaV1 {
  return typeof schema === 'object' && schema !== null && '~standard' in schema;
}

export function isClassSchema(schema: unknown): schema is ClassSchema {
  return typeof schema === 'function' && typeof (schema as ClassSchema).prototype === 'object';
}

export function isPayloadSchema(schema: unknown): schema is PayloadSchema {
  return isStandardSchema(schema) || isClassSchema(schema);
}

/** Validates a payload against a schema and returns the value to store. */
export async function validatePayload(
  taskId: string,
  schema: PayloadSchema | undefined,
  payload: unknown,
): Promise<unknown> {
  if (!schema) return payload;
  if (isStandardSchema(schema)) {
    const result = await schema['~standard'].validate(payload);
    if (result.issues) {
      throw new PayloadValidationError(
        taskId,
        result.issues.map((issue) => ({ path: issuePath(issue.path), message: issue.message })),
      );
    }
    return result.value;
  }
  const { validator, transformer } = await loadClassTools();
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new PayloadValidationError(taskId, [
      { path: '', message: `must be an object matching ${schema.name}` },
    ]);
  }
  const instance = transformer.plainToInstance(schema, payload) as object;
  const errors = await validator.validate(instance, { forbidUnknownValues: true });
  if (errors.length > 0) throw new PayloadValidationError(taskId, flattenClassErrors(errors));
  return instance;
}

/** Turns a stored payload back into what the task receives (a DTO instance for class schemas). */
export async function decodePayload(
  schema: PayloadSchema | undefined,
  stored: unknown,
): Promise<unknown> {
  if (!schema || !isClassSchema(schema) || typeof stored !== 'object' || stored === null)
    return stored;
  const { transformer } = loadedClassTools ?? (await loadClassTools());
  return transformer.plainToInstance(schema, stored);
}

/**
 * Serializes a value to JSON, refusing what JSON would silently change or drop:
 * BigInt, functions, symbols, non-finite numbers, Maps, Sets and circular references.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value, (key, inner: unknown) => {
    const at = key === '' ? 'the value itself' : `"${key}"`;
    switch (typeof inner) {
      case 'function':
      case 'symbol':
        throw new TypeError(`${at} is a ${typeof inner}`);
      case 'number':
        if (!Number.isFinite(inner)) throw new TypeError(`${at} is ${inner}`);
        break;
      case 'object':
        if (inner instanceof Map || inner instanceof Set) {
          throw new TypeError(`${at} is a ${inner.constructor.name}`);
        }
    }
    return inner;
  });
}

/** Validates, serializes and size-checks a payload; returns its JSON text. */
export async function preparePayload(
  taskId: string,
  schema: PayloadSchema | undefined,
  payload: unknown,
  sizeLimit: number,
): Promise<string> {
  const value = await validatePayload(taskId, schema, payload);
  let json: string;
  try {
    json = toJson(value);
  } catch (error) {
    throw new PayloadNotJsonError(taskId, error instanceof Error ? error.message : String(error));
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > sizeLimit) throw new PayloadTooLargeError(taskId, bytes, sizeLimit);
  return json;
}

function issuePath(path: StandardSchemaV1.Issue['path']): string {
  if (!path) return '';
  return path
    .map((segment) => String(typeof segment === 'object' ? segment.key : segment))
    .join('.');
}

interface ClassValidationError {
  property: string;
  constraints?: Record<string, string>;
  children?: ClassValidationError[];
}

function flattenClassErrors(errors: ClassValidationError[], prefix = ''): PayloadIssue[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...flattenClassErrors(error.children ?? [], path)];
  });
}
