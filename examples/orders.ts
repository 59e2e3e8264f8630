// The tutorial's production example (chapter 07, "production configuration template"), on
// kafka-courier: order events with headers, delivery reports, a metrics summary and a graceful
// shutdown. With no KAFKA_BROKERS set it starts the local Kafka broker itself and stops it at the end.
//
//   npm start                          # embedded local broker
//   KAFKA_BROKERS=host:9092 npm start  # your cluster (the topic is created if missing)

import { closeOnSignals, createProducer, ensureTopics, isCourierError } from '../src/index.ts'
import { startCluster, type LocalCluster } from '../src/local-broker/index.ts'

const TOPIC = process.env.ORDERS_TOPIC ?? 'orders'
const ORDER_COUNT = Number(process.env.ORDERS_COUNT ?? 20)

async function main (): Promise<void> {
  let cluster: LocalCluster | undefined
  if (!process.env.KAFKA_BROKERS) {
    const port = Number(process.env.KAFKA_COURIER_PORT ?? 9092)
    console.log(`KAFKA_BROKERS is not set: starting the local Kafka broker on 127.0.0.1:${port} ...`)
    cluster = await startCluster({ port })
    console.log(`local broker ready at ${cluster.bootstrapBrokers}`)
  }
  const brokers = cluster ? cluster.brokers : (process.env.KAFKA_BROKERS as string).split(',')

  try {
    await ensureTopic(brokers, TOPIC, 3)

    // Everything else comes from KAFKA_* variables or the defaults: idempotent, acks=all,
    // retries bounded by deliveryTimeoutMs, murmur2 partitioning, linger batching.
    // The example prints its own lines; the producer's pino log shows warnings unless KAFKA_LOG_LEVEL says otherwise.
    process.env.KAFKA_LOG_LEVEL ??= 'warn'
    const producer = createProducer({ brokers, clientId: process.env.KAFKA_CLIENT_ID ?? 'orders-service' })
    const removeSignalHandlers = closeOnSignals(producer)
    producer.on('retry', e => console.log(`retrying ${e.topic}[${e.partition}] (attempt ${e.attempt}): ${e.error.message}`))
    producer.on('alert', e => console.log(`ALERT ${e.kind}: ${e.message}`))

    console.log(`\nsending ${ORDER_COUNT} order events to "${TOPIC}"`)
    const sends = Array.from({ length: ORDER_COUNT }, (_, i) => {
      const orderId = `order-${1000 + i}`
      return producer.send(TOPIC, {
        key: orderId,
        value: { orderId, customerId: `customer-${i % 4}`, amount: Math.round((10 + i * 7.5) * 100) / 100, currency: 'EUR', createdAt: new Date() },
        headers: { 'event-type': 'order-created', version: '1.0' }
      }).then(([report]) => {
        console.log(`  delivered ${orderId} -> partition ${report.partition}, offset ${report.offset}`)
      }, (error: unknown) => {
        const reason = isCourierError(error) ? `${error.code}: ${error.message}` : String(error)
        console.log(`  FAILED ${orderId}: ${reason}`)
      })
    })

    // A bad message is refused whole, with a typed error naming the field; nothing is sent.
    await producer.send(TOPIC, { key: 'order-bad', value: undefined }).catch((error: unknown) => {
      if (isCourierError(error)) console.log(`  refused a bad message as expected: ${error.code}: ${error.message}`)
    })

    await Promise.all(sends)
    removeSignalHandlers()
    await producer.close()
    const stats = producer.stats()
    console.log('\nmetrics summary')
    console.log(`  records sent           ${stats.recordSendTotal}`)
    console.log(`  records failed         ${stats.recordErrorTotal}`)
    console.log(`  record retries         ${stats.recordRetryTotal}`)
    console.log(`  produce requests       ${stats.requestTotal} (${stats.recordsPerRequestAvg.toFixed(1)} records per request)`)
    console.log(`  request latency        avg ${stats.requestLatencyAvgMs.toFixed(1)} ms, max ${stats.requestLatencyMaxMs} ms`)
    console.log(`  delivery latency       avg ${stats.deliveryLatencyAvgMs.toFixed(1)} ms, max ${stats.deliveryLatencyMaxMs} ms`)
    console.log(`  producer closed        ${producer.state}`)
    if (stats.recordSendTotal !== ORDER_COUNT) process.exitCode = 1
  } finally {
    if (cluster) {
      await cluster.stop()
      console.log('local broker stopped')
    }
  }
}

async function ensureTopic (brokers: string[], topic: string, partitions: number): Promise<void> {
  // Creates the topic when missing (and waits until its partitions have leaders); leaves it as is otherwise.
  const [result] = await ensureTopics([{ name: topic, partitions }], { brokers, logLevel: 'warn' })
  if (result.created) console.log(`created topic "${topic}" with ${result.partitions} partitions`)
  for (const warning of result.warnings) console.log(`note: ${warning}`)
}

main().catch(error => {
  console.error(error)
  process.exitCode = 1
})
