// No lost or duplicated writes: a burst of registrations is listed exactly once, a race on one
// address has exactly one winner, and when DynamoDB is overloaded or its connections and answers
// fail at random, every 201 the client saw is stored while nothing the client saw fail is left
// behind (see registration-audit.ts for how that is checked against the table).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { ScanCommand } from '@aws-sdk/lib-dynamodb'
import type { FastifyInstance } from 'fastify'
import type { BuildOptions } from '../../src/app.js'
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js'
import { loadConfig } from '../../src/config/config.js'
import { UPLOAD_GRACE_SECONDS } from '../../src/users/user-service.js'
import { assertProblem, authed } from '../support/http.js'
import { seededRandom, startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js'
import { buildTestApp, startTestStack, TEST_CREDENTIALS, testEnvironment, type TestStack } from '../support/test-stack.js'
import { auditRegistrations, describeAudit, type RegistrationOutcome, type TableItem } from './registration-audit.js'
import { listAllUsers, runWithConcurrency } from './reliability-support.js'

const BURST = 1000
const RACERS = 100
const FAULTY_DISTINCT = 300
const FAULTY_CONTESTED_ADDRESSES = 10
const FAULTY_COPIES_PER_ADDRESS = 10
// Many clients, but fewer in flight than the service's DynamoDB connection pool, so failures come
// from the injected faults rather than from queueing.
const FAULTY_CLIENT_CONCURRENCY = 64
// The service's own defaults (the test stack lowers the attempts to 2 for speed elsewhere).
const DEFAULT_AWS = { AWS_MAX_ATTEMPTS: '3' }
// A client that honours 503 + Retry-After gives up after this many attempts.
const CLIENT_ATTEMPTS = 5
// Far enough ahead that orphaned claims are stale and upload windows are closed, so listings
// through this clock need no call to S3.
const LATER_SECONDS = 900 + UPLOAD_GRACE_SECONDS + 60

function mixedCase(address: string, index: number): string {
  return address.replace(/[a-z]/g, (char, position: number) => ((index >> position % 8) & 1 ? char.toUpperCase() : char))
}

describe('no lost or duplicated writes', () => {
  let stack: TestStack
  let proxy: TcpProxy
  let direct: AwsClients
  let client: ReturnType<typeof authed>
  let defaultsApp: FastifyInstance
  let laterApp: FastifyInstance

  // More apps on the same tables: one with the production AWS defaults, one whose clock runs ahead.
  async function anotherApp(env: Record<string, string>, options: Omit<BuildOptions, 'aws'> = {}): Promise<FastifyInstance> {
    const app = await buildTestApp(loadConfig(testEnvironment({ API_KEYS: stack.apiKey, ...env })), {
      ...options,
      aws: { dynamodbEndpoint: proxy.url, s3Endpoint: stack.emulators.s3Endpoint, credentials: TEST_CREDENTIALS },
    })
    await app.ready()
    return app
  }

  before(async () => {
    proxy = await startTcpProxy({ random: seededRandom(20_251_127) })
    stack = await startTestStack(DEFAULT_AWS, { endpoints: { dynamodb: proxy.url } })
    proxy.setTarget(stack.emulators.dynamoEndpoint)
    client = authed(stack.app, stack.apiKey)
    direct = createAwsClients(stack.config.aws, undefined, { dynamodbEndpoint: stack.emulators.dynamoEndpoint, credentials: TEST_CREDENTIALS })
    defaultsApp = await anotherApp(DEFAULT_AWS)
    laterApp = await anotherApp(DEFAULT_AWS, { now: () => new Date(Date.now() + LATER_SECONDS * 1000) })
  })
  after(async () => {
    direct.destroy()
    await defaultsApp.close()
    await laterApp.close()
    await stack.close()
    await proxy.close()
  })

  async function scanTable(): Promise<TableItem[]> {
    const items: TableItem[] = []
    let startKey: Record<string, unknown> | undefined
    do {
      const page = await direct.documents.send(new ScanCommand({ TableName: stack.config.table, ExclusiveStartKey: startKey }))
      items.push(...((page.Items ?? []) as TableItem[]))
      startKey = page.LastEvaluatedKey
    } while (startKey)
    return items
  }

  function newItemsSince(before: readonly TableItem[]): () => Promise<TableItem[]> {
    const known = new Set(before.map((item) => item.pk))
    return async () => (await scanTable()).filter((item) => !known.has(item.pk))
  }

  // All 1,000 arrive in one tick, which holds the event loop for about a second: the first
  // connections to DynamoDB can miss their 1 s connect timeout, and those few registrations get
  // 503 with Retry-After. The clients here do what the API asks and retry after that delay.
  it(`${BURST} concurrent registrations of distinct emails are all listed exactly once`, async (t) => {
    const started = performance.now()
    let firstTry = 0
    const responses = await Promise.all(
      Array.from({ length: BURST }, async (_, index) => {
        const body = { name: `Burst ${index}`, email: `burst-${index}@example.com` }
        for (let attempt = 1; ; attempt++) {
          const response = await client.post('/user', body)
          if (response.statusCode === 201 && attempt === 1) firstTry++
          if (response.statusCode !== 503 || attempt === CLIENT_ATTEMPTS) return response
          await sleep(Number(response.headers['retry-after']) * 1000)
        }
      }),
    )
    const registerMs = Math.round(performance.now() - started)
    assert.deepEqual(responses.map((response) => response.statusCode).filter((status) => status !== 201), [], 'every registration succeeded')
    const registered = new Map(responses.map((response) => {
      const { user } = response.json<{ user: { id: string; email: string } }>()
      return [user.id, user.email]
    }))
    assert.equal(registered.size, BURST, 'every registration got its own id')

    const listedAt = performance.now()
    const { users, pages } = await listAllUsers(client, 100)
    const listMs = Math.round(performance.now() - listedAt)
    assert.equal(users.length, BURST, 'no user listed twice, none missing')
    assert.deepEqual(new Map(users.map((user) => [user.id, user.email])), registered)
    t.diagnostic(
      `${BURST} concurrent registrations with the default settings: ${firstTry} x 201 at once, ${BURST - firstTry} after a retry; ` +
        `all done in ${registerMs} ms; listed exactly once over ${pages} pages in ${listMs} ms`,
    )
  })

  it(`${RACERS} concurrent registrations of one address in mixed case give exactly one 201`, async (t) => {
    const address = 'contested.address@example.com'
    const spellings = Array.from({ length: RACERS }, (_, index) => mixedCase(address, index))
    const responses = await Promise.all(spellings.map((email, index) => client.post('/user', { name: `Racer ${index}`, email })))
    const winners = responses.filter((response) => response.statusCode === 201)
    assert.equal(winners.length, 1, responses.map((response) => response.statusCode).join(','))
    for (const response of responses) if (response.statusCode !== 201) assertProblem(response, 409)
    const winner = winners[0]!.json<{ user: { id: string } }>().user.id
    const { users } = await listAllUsers(client, 1000)
    assert.deepEqual(users.filter((user) => user.email.toLowerCase() === address).map((user) => user.id), [winner])
    t.diagnostic(`${RACERS} racers with ${new Set(spellings).size} spellings: 1 x 201, ${RACERS - 1} x 409`)
  })

  it(`overload with the default AWS settings: ${BURST} at once are answered 201 or 503 and nothing is half-written`, async (t) => {
    const before = await scanTable()
    const emails = Array.from({ length: BURST }, (_, index) => `overload-${index}@example.com`)
    const started = performance.now()
    const responses = await Promise.all(emails.map((email) => defaultsApp.inject({ method: 'POST', url: '/user', headers: { 'x-api-key': stack.apiKey }, payload: { name: 'Overload', email } })))
    const overloadMs = Math.round(performance.now() - started)
    const outcomes: RegistrationOutcome[] = emails.map((email, index) => ({ email, contested: false, response: responses[index]! }))
    const result = await auditRegistrations({ outcomes, scan: newItemsSince(before), client, clientLater: authed(laterApp, stack.apiKey) })
    t.diagnostic(`${BURST} concurrent registrations with the defaults in ${overloadMs} ms: ${describeAudit(result)}`)
  })

  // One attempt per call is the most adversarial setting: a lost answer is never cleared up by a
  // retry. The defaults retry, so they get a higher fault rate to let some failures through.
  const faultScenarios = [
    { name: 'a single attempt per call', env: { ...DEFAULT_AWS, AWS_MAX_ATTEMPTS: '1' }, faults: { resetConnections: 0.05, dropResponses: 0.08 } },
    { name: 'the default 3 attempts', env: DEFAULT_AWS, faults: { resetConnections: 0.2, dropResponses: 0.3 } },
  ]
  for (const [round, scenario] of faultScenarios.entries()) {
    it(`with DynamoDB connections and answers failing at random and ${scenario.name}, every 201 is stored and no failure is half-written`, async (t) => {
      const app = await anotherApp(scenario.env)
      try {
        const before = await scanTable()
        const attempts = [
          ...Array.from({ length: FAULTY_DISTINCT }, (_, index) => ({ email: `faulty-${round}-${index}@example.com`, contested: false })),
          ...Array.from({ length: FAULTY_CONTESTED_ADDRESSES }, (_, address) =>
            Array.from({ length: FAULTY_COPIES_PER_ADDRESS }, (_, copy) => ({ email: mixedCase(`contested-${round}-${address}@example.com`, copy), contested: true })),
          ).flat(),
        ]
        const statsBefore = { ...proxy.stats }
        proxy.setFaults(scenario.faults)
        const started = performance.now()
        const responses = await runWithConcurrency(attempts, FAULTY_CLIENT_CONCURRENCY, ({ email }) =>
          app.inject({ method: 'POST', url: '/user', headers: { 'x-api-key': stack.apiKey }, payload: { name: 'Under Faults', email } }),
        )
        const faultyMs = Math.round(performance.now() - started)
        await proxy.heal()

        const outcomes: RegistrationOutcome[] = attempts.map((attempt, index) => ({ ...attempt, response: responses[index]! }))
        const result = await auditRegistrations({ outcomes, scan: newItemsSince(before), client, clientLater: authed(laterApp, stack.apiKey) })
        t.diagnostic(
          `${attempts.length} registrations, ${FAULTY_CLIENT_CONCURRENCY} at a time, ${scenario.name}, under faults in ${faultyMs} ms ` +
            `(${proxy.stats.resetConnections - statsBefore.resetConnections} connections reset, ` +
            `${proxy.stats.droppedResponses - statsBefore.droppedResponses} answers dropped): ${describeAudit(result)}`,
        )
        assert.ok(result.created > 0 && result.unavailable > 0, 'the faults produced both successes and failures')
      } finally {
        await proxy.heal()
        await app.close()
      }
    })
  }
})
