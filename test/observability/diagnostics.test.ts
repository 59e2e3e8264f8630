// node:diagnostics_channel against the real broker: an APM-style subscriber sees each send start
// and settle (reports or error), can add a header to the messages at start (the consumer reads it
// back), and hears of new producers.

import assert from 'node:assert/strict'
import { channel, tracingChannel } from 'node:diagnostics_channel'
import { test } from 'node:test'
import { createProducer, INSTANCES_CHANNEL, SEND_CHANNEL, type DeliveryReport, type Message, type SendChannelContext } from '../../src/index.ts'
import { brokersFromEnv, createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'

const brokers = brokersFromEnv()

test('send start/asyncEnd/error are published with the call, its reports or its error; a subscriber may add headers', async t => {
  const topic = uniqueTopic('diagnostics')
  await createTopic(brokers, topic)
  const created: unknown[] = []
  const onCreated = (message: unknown): void => { created.push((message as { producer: unknown }).producer) }
  channel(INSTANCES_CHANNEL).subscribe(onCreated)
  const started: SendChannelContext[] = []
  const ended: SendChannelContext[] = []
  const errors: SendChannelContext[] = []
  const handlers = {
    start (ctx: SendChannelContext) {
      started.push(ctx)
      // What an APM agent does: put its trace context into each message's headers.
      for (const batch of ctx.batches as Array<{ messages: Message | Message[] }>) {
        for (const message of [batch.messages].flat()) message.headers = { ...(message.headers as object), 'x-apm': 'span-42' }
      }
    },
    end () {},
    asyncStart () {},
    asyncEnd (ctx: SendChannelContext) { ended.push(ctx) },
    error (ctx: SendChannelContext) { errors.push(ctx) }
  }
  const channels = tracingChannel<SendChannelContext>(SEND_CHANNEL)
  channels.subscribe(handlers as never)
  t.after(() => {
    channels.unsubscribe(handlers as never)
    channel(INSTANCES_CHANNEL).unsubscribe(onCreated)
  })

  const producer = createProducer({ brokers, clientId: 'diag', logLevel: 'silent' })
  t.after(() => producer.close())
  assert.deepEqual(created, [producer], 'the instances channel heard of the producer')
  const reports = await producer.send(topic, [{ value: 'a' }, { value: 'b' }])
  await assert.rejects(producer.send(topic, { value: undefined }))

  assert.equal(started.length, 2)
  assert.equal(started[0].producer, producer)
  assert.equal(started[0].clientId, 'diag')
  assert.deepEqual(ended[0].result, reports)
  assert.equal((ended[0].result as DeliveryReport[]).length, 2)
  assert.equal(errors.length, 1)
  assert.equal((errors[0].error as { code: string }).code, 'COURIER_VALIDATION')
  const records = await readAll(brokers, topic, 2)
  assert.deepEqual(records.map(r => r.headers['x-apm']), ['span-42', 'span-42'], 'headers added at start reached the broker')
})
