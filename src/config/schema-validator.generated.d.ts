/**
 * Types of schema-validator.generated.js, the replication.yaml validator that ajv compiled ahead of time
 * (scripts/schema-validator.mjs; `npm run schema:gen`).
 */
import type { ErrorObject } from 'ajv/dist/2020.js';

/** An ajv validate function: true when `data` is valid, otherwise false with `errors` set. */
export interface StandaloneValidate {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

export declare const validate: StandaloneValidate;
export default validate;
