// `npm run setup:aws`: creates the users table and the avatar bucket where they are missing, on
// whatever endpoint the environment configures (an emulator via AWS_ENDPOINT_URL_*, or AWS for a
// first try; production resources belong to Terraform). Reads AWS_REGION, DYNAMODB_TABLE and
// S3_BUCKET, with the same rules as the service.
import { Type } from 'typebox'
import { Compile } from 'typebox/compile'
import { Value } from 'typebox/value'
import { createAwsClients } from '../src/aws/clients.js'
import { EnvironmentSchema } from '../src/config/config-schema.js'
import { DEFAULT_AWS_CALL_SETTINGS } from '../src/config/config.js'
import { createResources } from '../src/setup/create-resources.js'
import { describeValidationErrors } from '../src/validation/validation-errors.js'

const SetupSchema = Type.Pick(EnvironmentSchema, ['AWS_REGION', 'DYNAMODB_TABLE', 'S3_BUCKET', 'S3_FORCE_PATH_STYLE'])
const check = Compile(SetupSchema)
const given = Object.fromEntries(Object.keys(SetupSchema.properties).flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])))
const settings = Value.Default(SetupSchema, Value.Convert(SetupSchema, given))
if (!check.Check(settings)) {
  const problems = describeValidationErrors([...check.Errors(settings)]).map(({ field, message }) => `  - ${field.slice(1)}: ${message}`)
  console.error(`Cannot create resources:\n${problems.join('\n')}`)
  process.exit(1)
}

const clients = createAwsClients({
  ...DEFAULT_AWS_CALL_SETTINGS,
  region: settings.AWS_REGION,
  connectTimeoutMs: 3000,
  requestTimeoutMs: 30_000,
  maxAttempts: 5,
  s3ForcePathStyle: settings.S3_FORCE_PATH_STYLE,
})
try {
  const created = await createResources(clients, { table: settings.DYNAMODB_TABLE, bucket: settings.S3_BUCKET })
  console.log(`table ${settings.DYNAMODB_TABLE}: ${created.tableCreated ? 'created' : 'already there'}`)
  console.log(`bucket ${settings.S3_BUCKET}: ${created.bucketCreated ? 'created' : 'already there'}`)
} finally {
  clients.destroy()
}
