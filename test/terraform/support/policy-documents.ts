// Renders the module's aws_iam_policy_document blocks into the JSON AWS evaluates, with concrete
// values for the few Terraform references they use, so an IAM evaluator can judge them. Statements
// stay editable before rendering: the simulation tests drop a statement, a condition or a resource
// scope and watch which properties flip.
import { blocksOf, documentStatements, type Statement, type TerraformModule } from './terraform-config.js'

export const ACCOUNT_ID = '111122223333'
export const REGION = 'eu-west-1'
export const TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT_ID}:table/user-api-test-users`
export const BUCKET_ARN = `arn:aws:s3:::user-api-test-avatars-${ACCOUNT_ID}-${REGION}`
export const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`

// Everything a policy of modules/user-api may refer to, as an applied plan would fill it in. A
// reference missing here fails the rendering, so a new one is noticed rather than left unresolved.
const REFERENCES: Record<string, string> = {
  'data.aws_caller_identity.current.account_id': ACCOUNT_ID,
  'data.aws_partition.current.partition': 'aws',
  'data.aws_partition.current.dns_suffix': 'amazonaws.com',
  'data.aws_region.current.region': REGION,
  'aws_dynamodb_table.users.arn': TABLE_ARN,
  'aws_s3_bucket.avatars.arn': BUCKET_ARN,
  'aws_kms_key.this.arn': KEY_ARN,
  'var.name': 'user-api-test',
}

function substitute(text: string): string {
  return text.replace(/\$\{([^}]+)\}/g, (_whole, expression: string) => {
    const value = REFERENCES[expression.trim()]
    if (value === undefined) throw new Error(`no test value for the Terraform reference \${${expression}} in "${text}"`)
    return value
  })
}

export function statementsOf(module: TerraformModule, documentName: string): Statement[] {
  const document = blocksOf(module, 'data', 'aws_iam_policy_document').find((block) => block.name === documentName)
  if (!document) throw new Error(`${module.dir}: no data.aws_iam_policy_document.${documentName}`)
  return documentStatements(module, document)
}

export interface IamPolicy {
  Version: '2012-10-17'
  Statement: Record<string, unknown>[]
}

function principal(statement: Statement): unknown {
  if (statement.principals.some((candidate) => candidate.type === '*')) return '*'
  const byType: Record<string, string[]> = {}
  for (const { type, identifiers } of statement.principals) (byType[type] ??= []).push(...identifiers.map(substitute))
  return byType
}

export function renderPolicy(statements: readonly Statement[]): IamPolicy {
  return {
    Version: '2012-10-17',
    Statement: statements.map((statement) => {
      const rendered: Record<string, unknown> = {
        Sid: statement.sid,
        Effect: statement.effect,
        Action: statement.actions,
        Resource: statement.resources.map(substitute),
      }
      if (statement.principals.length > 0) rendered.Principal = principal(statement)
      if (statement.conditions.length > 0) {
        const conditions: Record<string, Record<string, string[]>> = {}
        for (const { test, variable, values } of statement.conditions) {
          const byVariable = (conditions[test] ??= {})
          if (byVariable[variable]) throw new Error(`${statement.sid}: two ${test} conditions on ${variable} cannot be rendered as one JSON key`)
          byVariable[variable] = values.map(substitute)
        }
        rendered.Condition = conditions
      }
      return rendered
    }),
  }
}
