// The tutorial's 02-batching.ts on kafka-courier's own API, beside ../kafkajs/02-batching.ts.
// batchSize and lingerMs are the producer's own options (defaults 16384 and 5); the program prints
// how many produce requests each path took, from the producer's stats.
// Run: node --conditions=kafka-courier-source examples/tutorial/courier/02-batching.ts

import { createProducer } from 'kafka-courier'

const producer = createProducer({
  clientId: 'batching-demo',
  brokers: process.env.KAFKA_BROKERS?.split(',') || ['localhost:9092'],
  batchSize: 16384,
  lingerMs: 10,
  allowAutoTopicCreation: true,
  logLevel: 'warn'
})

async function sendOneByOne (messages: string[]) {
  const startTime = Date.now()
  const before = producer.stats().requestTotal
  for (const msg of messages) await producer.send('test-topic', { value: msg })
  console.log(`逐條發送 ${messages.length} 條消息耗時: ${Date.now() - startTime}ms, produce requests: ${producer.stats().requestTotal - before}`)
}

async function sendInBatch (messages: string[]) {
  const startTime = Date.now()
  const before = producer.stats().requestTotal
  await producer.send('test-topic', messages.map(msg => ({ value: msg })))
  console.log(`批量發送 ${messages.length} 條消息耗時: ${Date.now() - startTime}ms, produce requests: ${producer.stats().requestTotal - before}`)
}

async function run () {
  try {
    await producer.connect()
    const testMessages = Array.from({ length: 100 }, (_, i) => `Message ${i}`)
    console.log('=== 性能比較 ===\n')
    await sendOneByOne(testMessages.slice(0, 50))
    await sendInBatch(testMessages.slice(50))
  } catch (error) {
    console.error('❌ 錯誤:', error)
  } finally {
    await producer.close()
  }
}

run()
