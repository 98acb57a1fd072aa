// Registers a user and lists every user page by page with the typed client (README, "From
// TypeScript"). Against `npm start`: USER_API_KEY=$(cat .local/api-key) npx tsx client/example.ts
import { createUserApiClient, nextCursor } from './index.js'

const api = createUserApiClient({
  baseUrl: process.env.USER_API_URL ?? 'http://127.0.0.1:8000',
  apiKey: process.env.USER_API_KEY,
})

const registered = await api.POST('/user', {
  body: { name: 'Ada Lovelace', email: `ada.${Date.now()}@example.com`, avatar_content_type: 'image/png' },
})
if (registered.error) throw new Error(`${registered.error.title}: ${registered.error.detail}`)
const { user, avatar_upload } = registered.data
console.log(`registered ${user.id}; upload the avatar to ${avatar_upload.url} before ${avatar_upload.expires_at}`)

let cursor: string | undefined
do {
  const page = await api.GET('/users', { params: { query: { limit: 100, cursor } } })
  if (page.error) throw new Error(`${page.error.title}: ${page.error.detail}`)
  for (const listed of page.data) console.log(listed.id, listed.email, listed.avatar_url ?? '(no avatar yet)')
  cursor = nextCursor(page.response)
} while (cursor !== undefined)
