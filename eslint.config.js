// ESLint flat config. Prettier owns layout; ESLint owns the rules a formatter cannot keep:
// short functions, no `any`, and no clock, randomness or node:crypto in the pure domain.
import js from '@eslint/js';
import { builtinRules } from 'eslint/use-at-your-own-risk';
import tseslint from 'typescript-eslint';

const SHORT_FUNCTIONS = ['error', { max: 70, skipBlankLines: true, skipComments: true, IIFEs: true }];

// The pure domain (meter, protocol, indicium, rates, address) is deterministic: time and randomness come in as arguments,
// and cryptography through WebCrypto-compatible ports, so the same code runs in the browser SDK.
const PURE_DOMAIN = ['src/meter/**/*.ts', 'src/protocol/**/*.ts', 'src/indicium/**/*.ts', 'src/rates/**/*.ts', 'src/address/**/*.ts', 'src/payments/**/*.ts'];
const NO_IO_MESSAGE = 'The pure domain does no I/O: take time, randomness and keys as arguments or ports.';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', '.vaultmeter/**', 'test-output/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // `_`-prefixed names mark parameters kept for a signature; `{ a, ...rest }` may name `a` only to leave it out of `rest`.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // TypeScript itself reports undefined names; the JS rule does not know Node's and DOM's globals.
      'no-undef': 'off',
    },
  },
  {
    // The launcher and the tool configs are plain Node scripts (ESM and, for dependency-cruiser, CommonJS).
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', module: 'writable', require: 'readonly', __dirname: 'readonly' },
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/**/*.ts', 'bench/**/*.ts'],
    rules: { 'max-lines-per-function': SHORT_FUNCTIONS },
  },
  {
    // Tests: a `describe` callback is a list of cases, not a function to read top to bottom, so its length
    // says nothing; each case (`it`/`test` callback) and every helper is still held to 70 lines.
    files: ['test/**/*.ts'],
    rules: { 'max-lines-per-function': 'off', 'vaultmeter/max-lines-per-function-except-describe': SHORT_FUNCTIONS },
    plugins: { vaultmeter: { rules: { 'max-lines-per-function-except-describe': maxLinesExceptDescribe() } } },
  },
  {
    files: PURE_DOMAIN,
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: NO_IO_MESSAGE },
        { object: 'Math', property: 'random', message: NO_IO_MESSAGE },
        { object: 'crypto', property: 'getRandomValues', message: NO_IO_MESSAGE },
        { object: 'crypto', property: 'randomUUID', message: NO_IO_MESSAGE },
        { object: 'performance', property: 'now', message: NO_IO_MESSAGE },
      ],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: NO_IO_MESSAGE }],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'node:crypto', message: NO_IO_MESSAGE },
            { name: 'crypto', message: NO_IO_MESSAGE },
            { name: 'node:fs', message: NO_IO_MESSAGE },
            { name: 'node:fs/promises', message: NO_IO_MESSAGE },
            { name: 'fs', message: NO_IO_MESSAGE },
            { name: 'node:net', message: NO_IO_MESSAGE },
            { name: 'node:child_process', message: NO_IO_MESSAGE },
          ],
        },
      ],
      // The global `crypto` is WebCrypto: allowed through a port, not reached for directly.
      'no-restricted-globals': ['error', { name: 'crypto', message: NO_IO_MESSAGE }],
    },
  },
);

/**
 * `max-lines-per-function`, except for the callback passed to `describe` (and `describe.each(...)`),
 * whose length is the number of cases in it. The core rule comes from ESLint's `use-at-your-own-risk` entry,
 * the documented way to extend a built-in rule in flat config.
 */
function maxLinesExceptDescribe() {
  const base = builtinRules.get('max-lines-per-function');
  return {
    meta: { ...base.meta, docs: { description: 'max-lines-per-function, except describe callbacks' } },
    create(context) {
      const listeners = base.create(context);
      const isDescribeCallback = (node) => {
        const call = node.parent;
        if (!call || call.type !== 'CallExpression' || !call.arguments.includes(node)) return false;
        let callee = call.callee;
        if (callee.type === 'CallExpression') callee = callee.callee; // describe.each(rows)(name, fn)
        while (callee.type === 'MemberExpression') callee = callee.object; // describe.skip, describe.concurrent
        return callee.type === 'Identifier' && callee.name === 'describe';
      };
      const wrapped = {};
      for (const [selector, listener] of Object.entries(listeners)) {
        wrapped[selector] = (node) => {
          if (isDescribeCallback(node)) return;
          listener(node);
        };
      }
      return wrapped;
    },
  };
}
