// Request validation with TypeBox. Bodies are checked strictly, with no type coercion, so
// {"name": 1} is an error rather than the name "1". Query strings and path parameters arrive as
// text: defaults are filled in and decimal integers converted for integer fields. Conversion is
// deliberately narrower than TypeBox's own (which reads "1.5" as 1 and "0x10" as 16): anything
// that is not plainly an integer stays text and fails validation.
import type { FastifySchemaCompiler } from 'fastify'
import type { TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import { Value } from 'typebox/value'

const DECIMAL_INTEGER = /^-?\d{1,15}$/

function integerFields(schema: TSchema): string[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {}
  return Object.entries(properties).flatMap(([name, property]) => (property.type === 'integer' ? [name] : []))
}

export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const validator = Compile(schema)
  const integers = integerFields(schema)
  return (value: unknown) => {
    let prepared = value
    if (httpPart !== 'body' && typeof value === 'object' && value !== null) {
      const text = value as Record<string, unknown>
      const converted: Record<string, unknown> = { ...text }
      for (const name of integers) {
        const raw = text[name]
        if (typeof raw === 'string' && DECIMAL_INTEGER.test(raw)) converted[name] = Number(raw)
      }
      prepared = Value.Default(schema, converted)
    }
    if (validator.Check(prepared)) return { value: prepared }
    return { error: [...validator.Errors(prepared)] as unknown as Error }
  }
}
