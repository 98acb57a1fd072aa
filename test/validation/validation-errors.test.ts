// One plain message per invalid field, from the errors TypeBox really reports: what a client sees
// in a 400's `errors` and an operator in a configuration error.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Type } from 'typebox'
import { Compile } from 'typebox/compile'
import { describeValidationErrors, MAX_VALIDATION_ERRORS, type ValidationIssue } from '../../src/validation/validation-errors.js'

const Schema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z]+$' }),
    code: Type.String({ pattern: '^[0-9]+$' }),
    level: Type.Union([Type.Literal('low'), Type.Literal('high')]),
    count: Type.Integer({ minimum: 1 }),
    nested: Type.Optional(Type.Object({ key: Type.String(), other: Type.String() }, { additionalProperties: false })),
    many: Type.Optional(Type.Array(Type.Integer())),
  },
  { additionalProperties: false },
)
const check = Compile(Schema)

function describeValue(value: unknown, patternMessages: Record<string, string> = {}) {
  return describeValidationErrors([...check.Errors(value)], patternMessages)
}

describe('validation errors', () => {
  it('lists every invalid field once, with a message a reader understands', () => {
    const errors = describeValue(
      { name: 'Ada1', code: 'x', level: 'medium', count: 0, nested: { stray: 1 }, unknown: true, another: 1 },
      { '/name': 'must be lower-case letters' },
    )
    assert.deepEqual(errors, [
      { field: '/unknown', message: 'is not an allowed field' },
      { field: '/another', message: 'is not an allowed field' },
      { field: '/name', message: 'must be lower-case letters' },
      { field: '/code', message: 'must match pattern "^[0-9]+$"' },
      { field: '/level', message: 'must be one of: low, high' },
      { field: '/count', message: 'must be >= 1' },
      { field: '/nested/key', message: 'is required' },
      { field: '/nested/other', message: 'is required' },
      { field: '/nested/stray', message: 'is not an allowed field' },
    ])
  })

  it('names each missing field', () => {
    assert.deepEqual(describeValue({ name: 'ada', code: '1', count: 1 }), [{ field: '/level', message: 'is required' }])
    assert.deepEqual(
      describeValue({}).map(({ field }) => field),
      ['/name', '/code', '/level', '/count'],
    )
  })

  it('reports an invalid value as a whole under the empty field', () => {
    assert.deepEqual(describeValue('not an object'), [{ field: '', message: 'must be object' }])
  })

  it('keeps the first message when one field breaks several rules, and falls back when none is given', () => {
    const issues: ValidationIssue[] = [
      { instancePath: '/age', keyword: 'type', message: 'must be integer' },
      { instancePath: '/age', keyword: 'minimum', message: 'must be greater or equal to 0' },
      { keyword: 'custom' },
      { instancePath: '/tag', keyword: 'pattern', message: 'must match pattern "^x$"' },
    ]
    assert.deepEqual(describeValidationErrors(issues, { '/other': 'unused' }), [
      { field: '/age', message: 'must be integer' },
      { field: '', message: 'is invalid' },
      { field: '/tag', message: 'must match pattern "^x$"' },
    ])
  })

  it('uses a pattern message only for a broken pattern, not for other rules of the same field', () => {
    const issues: ValidationIssue[] = [{ instancePath: '/name', keyword: 'maxLength', message: 'must not have more than 100 characters' }]
    assert.deepEqual(describeValidationErrors(issues, { '/name': 'must be a readable name' }), [
      { field: '/name', message: 'must not have more than 100 characters' },
    ])
  })

  it('names missing and unknown properties of the root even without an instance path', () => {
    const issues: ValidationIssue[] = [
      { keyword: 'required', params: { requiredProperties: ['email'] } },
      { keyword: 'additionalProperties', params: { additionalProperties: ['admin'] } },
    ]
    assert.deepEqual(describeValidationErrors(issues), [
      { field: '/email', message: 'is required' },
      { field: '/admin', message: 'is not an allowed field' },
    ])
  })

  it('treats names outside additionalProperties and required issues as a plain issue of the object', () => {
    const issues: ValidationIssue[] = [
      { instancePath: '/box', keyword: 'minProperties', message: 'must have at least 1 properties', params: { requiredProperties: ['ignored'] } },
      { instancePath: '/box', keyword: 'required', message: 'must have required properties', params: {} },
    ]
    assert.deepEqual(describeValidationErrors(issues), [{ field: '/box', message: 'must have at least 1 properties' }])
  })

  it('caps how many errors TypeBox reports, so a hostile body cannot make a huge list', () => {
    const errors = [...check.Errors({ name: 'ada', code: '1', level: 'low', count: 1, many: Array.from({ length: 500 }, () => 'x') })]
    assert.equal(errors.length, MAX_VALIDATION_ERRORS)
    assert.equal(MAX_VALIDATION_ERRORS, 64)
  })
})
