// The tutorial's 02-batching.ts ("Producer best practices", chapter 07), as written for kafkajs, with
// two changes: the import (`'kafkajs'` -> `'kafka-courier/kafkajs'`) and the brokers, read from
// KAFKA_BROKERS as the tutorial's own production template does. On kafkajs batchSize and
// lingerMs do nothing; here they batch.
// Run: node --conditions=kafka-courier-source examples/tutorial/kafkajs/02-batching.ts
//      (after `npm run build`, plain `node` resolves kafka-courier/kafkajs to dist/).
/* eslint-disable @typescript-eslint/no-explicit-any */

import { Kafka } from 'kafka-courier/kafkajs';

const kafka = new Kafka({
  clientId: 'batching-demo',
  brokers: process.env.KAFKA_BROKERS?.split(',') || ['localhost:9092']
});

const producer = kafka.producer({
  batchSize: 16384,
  lingerMs: 10
});

// ❌ 不好：逐條發送
async function sendOneByOne(messages: any[]) {
  const startTime = Date.now();

  for (const msg of messages) {
    await producer.send({
      topic: 'test-topic',
      messages: [{ value: msg }]
    });
  }

  const duration = Date.now() - startTime;
  console.log(`逐條發送 ${messages.length} 條消息耗時: ${duration}ms`);
}

// ✅ 好：批量發送
async function sendInBatch(messages: any[]) {
  const startTime = Date.now();

  await producer.send({
    topic: 'test-topic',
    messages: messages.map(msg => ({ value: msg }))
  });

  const duration = Date.now() - startTime;
  console.log(`批量發送 ${messages.length} 條消息耗時: ${duration}ms`);
}

async function run() {
  try {
    await producer.connect();

    const testMessages = Array.from({ length: 100 }, (_, i) => 
      `Message ${i}`
    );

    console.log('=== 性能比較 ===\n');
    await sendOneByOne(testMessages.slice(0, 50));
    await sendInBatch(testMessages.slice(50));

  } catch (error) {
    console.error('❌ 錯誤:', error);
  } finally {
    await producer.disconnect();
  }
}

run();
