import { isRecord } from './http-util.ts';

/**
 * Just enough of NestJS's ValidationPipe (whitelist + forbidNonWhitelisted)
 * to answer v1 bodies the way the platform does: an array of
 * class-validator style messages, unknown properties rejected.
 */
export type Rule =
  | { kind: 'string'; optional?: boolean; email?: boolean }
  | { kind: 'int'; optional?: boolean; min: number; max: number }
  | { kind: 'stringOrNumber'; optional?: boolean }
  | { kind: 'object'; optional?: boolean; fields: Schema };
export type Schema = Record<string, Rule>;

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function validateBody(body: unknown, schema: Schema, prefix = ''): string[] {
  if (!isRecord(body)) return [prefix === '' ? 'request body must be a JSON object' : `${prefix.slice(0, -1)} must be an object`];
  const errors: string[] = [];
  for (const key of Object.keys(body)) {
    if (!Object.hasOwn(schema, key)) errors.push(`property ${prefix}${key} should not exist`);
  }
  for (const [key, rule] of Object.entries(schema)) {
    const name = `${prefix}${key}`;
    const value = body[key];
    if (value === undefined || value === null) {
      if (!rule.optional) errors.push(...missing(name, rule));
      continue;
    }
    switch (rule.kind) {
      case 'string':
        if (typeof value !== 'string') errors.push(`${name} must be a string`);
        else if (value === '') errors.push(`${name} should not be empty`);
        else if (rule.email && !EMAIL.test(value)) errors.push(`${name} must be an email`);
        break;
      case 'int':
        if (typeof value !== 'number' || !Number.isInteger(value)) errors.push(`${name} must be an integer number`);
        else if (value < rule.min) errors.push(`${name} must not be less than ${rule.min}`);
        else if (value > rule.max) errors.push(`${name} must not be greater than ${rule.max}`);
        break;
      case 'stringOrNumber':
        if (typeof value !== 'string' && typeof value !== 'number') errors.push(`${name} must be a string or a number`);
        break;
      case 'object':
        errors.push(...validateBody(value, rule.fields, `${name}.`));
        break;
    }
  }
  return errors;
}

function missing(name: string, rule: Rule): string[] {
  switch (rule.kind) {
    case 'string':
      return [`${name} should not be empty`, `${name} must be a string`];
    case 'int':
      return [`${name} must be an integer number`];
    case 'stringOrNumber':
      return [`${name} must be a string or a number`];
    case 'object':
      return [`${name} must be an object`];
  }
}

export const LOGIN_SCHEMA: Schema = { email: { kind: 'string', email: true }, password: { kind: 'string' } };
export const REFRESH_SCHEMA: Schema = { refreshToken: { kind: 'string' } };
export const VALIDATE_SCHEMA: Schema = { nonce: { kind: 'string' } };
export const V1_RENDER_SCHEMA: Schema = {
  productId: { kind: 'string' },
  brandId: { kind: 'string' },
  designId: { kind: 'string', optional: true },
  priority: { kind: 'int', optional: true, min: 0, max: 2_097_152 },
  options: {
    kind: 'object',
    fields: {
      width: { kind: 'int', min: 1, max: 8192 },
      height: { kind: 'int', min: 1, max: 8192 },
      quality: { kind: 'stringOrNumber', optional: true },
      format: { kind: 'string', optional: true },
    },
  },
};
