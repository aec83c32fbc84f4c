// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const TOOLKIT = [
  { name: '@actions/core', message: 'only src/action/ talks to the Actions runtime' },
  { name: '@actions/github', message: 'only src/action/ talks to GitHub' },
];

/** `files` may not import from the `above` folders of src/ (nor GitHub's toolkit). */
function layer(files, above) {
  return [
    {
      files: files.map((f) => `${f}/*.ts`),
      rules: {
        'no-restricted-imports': [
          'error',
          {
            paths: TOOLKIT,
            patterns: [
              {
                regex: `^(\\.\\./)+(${above.join('|')})/`,
                message: `this layer may not import from ${above.join(', ')} (see the layering in eslint.config.js)`,
              },
            ],
          },
        ],
      },
    },
  ];
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'bench/work/**',
      '.ferry-demo/**',
      'test/fixtures/**',
      'src/config/schema-validator.generated.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  // The layering, lowest first: util, oci → registry → config, rules → providers, plan → replicate
  // (the engine) → report, events → index.ts (the library face) → action, cli. A module imports
  // only from its own layer or below; the action and the CLI only through the library face.
  ...layer(
    ['src/util/**', 'src/oci/**'],
    ['registry', 'config', 'rules', 'providers', 'plan', 'replicate', 'report', 'events', 'action', 'cli'],
  ),
  ...layer(
    ['src/registry/**'],
    ['config', 'rules', 'providers', 'plan', 'replicate', 'report', 'events', 'action', 'cli'],
  ),
  ...layer(['src/config/**', 'src/rules/**'], ['providers', 'plan', 'replicate', 'report', 'events', 'action', 'cli']),
  ...layer(['src/providers/**', 'src/plan/**'], ['replicate', 'report', 'events', 'action', 'cli']),
  ...layer(['src/replicate/**'], ['report', 'events', 'action', 'cli']),
  ...layer(['src/report/**', 'src/events/**'], ['providers', 'registry', 'action', 'cli']),
  {
    files: ['src/action/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '^(\\.\\./)+(util|oci|registry|config|rules|providers|plan|replicate|report|events|demo|version)(/|\\.js$)',
              message: 'the action and the CLI use the library through src/index.ts only',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['bench/**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
  },
);
