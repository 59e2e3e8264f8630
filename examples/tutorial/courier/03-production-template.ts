// The tutorial's 03-production-template.ts on kafka-courier's own API, beside
// ../kafkajs/03-production-template.ts. The template's KAFKA_* variables (KAFKA_BROKERS,
// KAFKA_CLIENT_ID, KAFKA_LOG_LEVEL, KAFKA_SSL, KAFKA_USERNAME/PASSWORD, KAFKA_BATCH_SIZE,
// KAFKA_LINGER_MS ...) are read by createProducer itself; `produced-at` and `producer-id` headers
// are added by default; idempotence with up to 5 requests in flight, acks all and retries bounded
// by deliveryTimeoutMs are the defaults; zstd is built in; closeOnSignals delivers on SIGTERM.
// Run: node --conditions=kafka-courier-source examples/tutorial/courier/03-production-template.ts

import { closeOnSignals, createProducer, type Message } from 'kafka-courier'

const producer = createProducer({
  clientId: process.env.KAFKA_CLIENT_ID || 'my-app',
  compression: 'zstd',
  allowAutoTopicCreation: true,
  // The template's per-message id is not part of the tutorial; kept off to match it.
  headers: { messageId: false }
})
closeOnSignals(producer)

producer.on('connect', () => console.log('📡 Producer 連接成功'))
producer.on('disconnect', () => console.log('🔌 Producer 斷開連接'))
producer.on('request-timeout', payload => console.error('⏱️ 請求超時:', payload))

export async function send (topic: string, messages: Message[]) {
  try {
    return await producer.send(topic, messages)
  } catch (error) {
    console.error('❌ 發送失敗:', { topic, error: (error as Error).message })
    throw error
  }
}

async function example () {
  try {
    await producer.connect()
    console.log('✅ Producer 已連接')
    await send('orders', [{
      key: 'order-123',
      value: { orderId: 'order-123', amount: 99.99, timestamp: Date.now() },
      headers: { 'event-type': 'order-created', version: '1.0' }
    }])
    console.log('✅ 消息已發送')
  } catch (error) {
    console.error('❌ 錯誤:', error)
  } finally {
    // No sleep needed: close() delivers everything accepted before it disconnects.
    await producer.close()
    console.log('✅ 優雅關閉完成')
  }
}

example()
