// Turns TypeBox validation errors into one plain message per invalid field. Shared by request
// validation (problem details) and configuration (start-up errors).
import { Settings } from 'typebox/system'

// TypeBox stops after 8 errors by default, which would hide invalid fields from the client (a
// union alone reports one error per member). The cap stays, so a hostile body cannot make a huge
// error list.
export const MAX_VALIDATION_ERRORS = 64
Settings.Set({ maxErrors: MAX_VALIDATION_ERRORS })

export interface ValidationIssue {
  instancePath?: string
  keyword?: string
  message?: string
  params?: Record<string, unknown>
}

export interface FieldError {
  field: string
  message: string
}

// `patternMessages` replaces "must match pattern ..." for fields whose pattern means nothing to a
// reader, keyed by JSON pointer (e.g. '/name').
export function describeValidationErrors(issues: readonly ValidationIssue[], patternMessages: Record<string, string> = {}): FieldError[] {
  const byField = new Map<string, ValidationIssue[]>()
  const add = (field: string, issue: ValidationIssue) => {
    byField.set(field, [...(byField.get(field) ?? []), issue])
  }
  for (const issue of issues) {
    // TypeBox reports an unknown property twice, as a `false` schema and as additionalProperties.
    if (issue.keyword === 'boolean') continue
    const names = (issue.params?.additionalProperties ?? issue.params?.requiredProperties) as string[] | undefined
    if (names && (issue.keyword === 'additionalProperties' || issue.keyword === 'required')) {
      for (const name of names) add(`${issue.instancePath ?? ''}/${name}`, issue)
    } else {
      add(issue.instancePath ?? '', issue)
    }
  }
  return [...byField].map(([field, fieldIssues]) => ({ field, message: describe(field, fieldIssues, patternMessages) }))
}

function describe(field: string, issues: readonly ValidationIssue[], patternMessages: Record<string, string>): string {
  const allowed = issues.filter((issue) => issue.keyword === 'const').map((issue) => String(issue.params?.allowedValue))
  if (allowed.length > 0) return `must be one of: ${allowed.join(', ')}`
  const issue = issues[0]
  if (issue?.keyword === 'additionalProperties') return 'is not an allowed field'
  if (issue?.keyword === 'required') return 'is required'
  if (issue?.keyword === 'pattern' && patternMessages[field]) return patternMessages[field]
  return issue?.message ?? 'is invalid'
}
