// The tutorial's 01-error-handling.ts on kafka-courier's own API, beside ../kafkajs/01-error-handling.ts.
// What changes: validation, serialization and error classification are built in. An empty value is
// a ValidationError naming the field (nothing of the call is sent); every failure has a stable
// `code`; "retries used up" and "broker unreachable" are codes, not class-name strings.
// Run: node --conditions=kafka-courier-source examples/tutorial/courier/01-error-handling.ts

import { createProducer, isCourierError, ErrorCodes, type CourierError } from 'kafka-courier'

const producer = createProducer({
  clientId: 'error-handling-demo',
  brokers: process.env.KAFKA_BROKERS?.split(',') || ['localhost:9092'],
  logLevel: 'error',
  // The tutorial's strategy 1: five retries, then the dead-letter path.
  retry: { preset: 'bounded', maxRetries: 5, initialBackoffMs: 300 },
  // kafkajs asks the broker to create unknown topics; kafka-courier does so only when told.
  allowAutoTopicCreation: true
})

async function sendMessageWithErrorHandling (topic: string, message: { key?: string, value: unknown }) {
  try {
    // Objects are serialized as JSON; null/undefined values are refused with a ValidationError.
    const [report] = await producer.send(topic, { key: message.key, value: message.value })
    console.log('✅ 消息發送成功:', { topic, partition: report.partition, offset: report.offset.toString() })
    return report
  } catch (error) {
    const e = error as CourierError
    console.error('❌ 發送失敗:', e.message)
    if (!isCourierError(e)) throw e
    switch (e.code) {
      case ErrorCodes.RETRIES_EXHAUSTED:
      case ErrorCodes.DELIVERY_TIMEOUT:
        console.error('重試次數已用盡')
        await saveToDeadLetterQueue(message)
        break
      case ErrorCodes.NETWORK:
      case ErrorCodes.TIMEOUT:
        console.error('連接錯誤，Broker 可能不可用')
        await sendAlert('Kafka 連接失敗')
        break
      case ErrorCodes.VALIDATION:
        console.error('消息無效:', e.message)
        break
      default:
        console.error('未知錯誤:', e)
    }
    throw new Error('消息發送失敗', { cause: error })
  }
}

async function saveToDeadLetterQueue (message: unknown) {
  console.log('📝 保存到死信隊列:', message)
}

async function sendAlert (message: string) {
  console.log('🚨 告警:', message)
}

async function run () {
  try {
    await producer.connect()
    console.log('✅ Producer 已連接\n')
    await sendMessageWithErrorHandling('test-topic', { key: 'user-1', value: { action: 'login', timestamp: Date.now() } })
    try {
      await sendMessageWithErrorHandling('test-topic', { key: 'user-2', value: null })
    } catch {
      console.log('捕獲到錯誤，程序繼續運行\n')
    }
  } catch (error) {
    console.error('❌ 致命錯誤:', error)
  } finally {
    // Delivers everything accepted, then disconnects.
    await producer.close()
  }
}

run()
