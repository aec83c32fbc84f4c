/** Types of schema-validator.mjs, for the unit test that checks the committed validator is current. */
export declare const OUTPUT: URL;
export declare function generateValidatorCode(): string;
