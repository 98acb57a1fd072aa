// The issuer's sign-in endpoints as the web page gets them: read from discovery, and refused when
// the document names another issuer, lacks an endpoint, or points at plain http off loopback.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { discoverSignInEndpoints } from '../../src/web/issuer-endpoints.js'
import { TestIssuer } from '../support/oidc-issuer.js'

describe('discoverSignInEndpoints', () => {
  let issuer: TestIssuer
  let document: Record<string, unknown> = {}
  let server: Server
  let url = ''
  before(async () => {
    issuer = await TestIssuer.start()
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(async () => {
    await issuer.close()
    server.close()
  })

  it('reads both endpoints', async () => {
    assert.deepEqual(await discoverSignInEndpoints(issuer.url, 2000), { authorizationEndpoint: `${issuer.url}/authorize`, tokenEndpoint: `${issuer.url}/token` })
  })

  it('refuses a document of another issuer', async () => {
    issuer.behaviour = 'wrong-issuer'
    await assert.rejects(discoverSignInEndpoints(issuer.url, 2000), /names the issuer "https:\/\/impostor\.example"/)
    issuer.behaviour = 'normal'
  })

  it('refuses a missing endpoint and a plain-http one off loopback', async () => {
    document = { issuer: url, authorization_endpoint: `${url}/authorize` }
    await assert.rejects(discoverSignInEndpoints(url, 2000), /has no token_endpoint/)
    document = { issuer: url, authorization_endpoint: 'http://login.example.com/authorize', token_endpoint: `${url}/token` }
    await assert.rejects(discoverSignInEndpoints(url, 2000), /the authorization_endpoint of .* must be an https URL/)
  })
})
