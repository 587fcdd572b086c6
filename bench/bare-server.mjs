// The intake baseline: a bare Fastify route that reads the same form body and answers 200, nothing else.
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
  done(null, body),
)
app.post('/bitrix24/events', async () => ({ ok: true }))
await app.listen({ port: Number(process.argv[2]), host: '127.0.0.1' })
process.on('SIGTERM', () => app.close().then(() => process.exit(0)))
