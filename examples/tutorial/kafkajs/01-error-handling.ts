// The tutorial's 01-error-handling.ts ("Producer best practices", chapter 07), as written for kafkajs, with
// two changes: the import (`'kafkajs'` -> `'kafka-courier/kafkajs'`) and the brokers, read from
// KAFKA_BROKERS as the tutorial's own production template does (and one class written out, below).
// Run: node --conditions=kafka-courier-source examples/tutorial/kafkajs/01-error-handling.ts
//      (after `npm run build`, plain `node` resolves kafka-courier/kafkajs to dist/).
/* eslint-disable @typescript-eslint/no-explicit-any */

import { Kafka, logLevel } from 'kafka-courier/kafkajs';

const kafka = new Kafka({
  clientId: 'error-handling-demo',
  brokers: process.env.KAFKA_BROKERS?.split(',') || ['localhost:9092'],
  logLevel: logLevel.ERROR
});

const producer = kafka.producer({
  idempotent: true,
  retry: {
    retries: 5,
    initialRetryTime: 300
  }
});

// 錯誤類型定義
// (Parameter properties written out: Node's type stripping does not run them.)
class KafkaProducerError extends Error {
  public readonly originalError: Error;
  public readonly messageData?: any;
  constructor(
    message: string,
    originalError: Error,
    messageData?: any
  ) {
    super(message);
    this.originalError = originalError;
    this.messageData = messageData;
    this.name = 'KafkaProducerError';
  }
}

async function sendMessageWithErrorHandling(
  topic: string,
  message: { key?: string; value: any }
) {
  try {
    // 1. 驗證消息
    if (!message.value) {
      throw new Error('消息 value 不能為空');
    }

    // 2. 序列化
    const serializedMessage = {
      key: message.key,
      value: typeof message.value === 'string' 
        ? message.value 
        : JSON.stringify(message.value)
    };

    // 3. 發送
    const result = await producer.send({
      topic,
      messages: [serializedMessage]
    });

    console.log('✅ 消息發送成功:', {
      topic,
      partition: result[0].partition,
      offset: result[0].baseOffset
    });

    return result;

  } catch (error: any) {
    // 4. 錯誤處理
    console.error('❌ 發送失敗:', error.message);

    // 記錄錯誤詳情
    if (error.name === 'KafkaJSNumberOfRetriesExceeded') {
      console.error('重試次數已用盡');
      // 可以將消息存入死信隊列或數據庫
      await saveToDeadLetterQueue(message);
    } else if (error.name === 'KafkaJSConnectionError') {
      console.error('連接錯誤，Broker 可能不可用');
      // 觸發告警
      await sendAlert('Kafka 連接失敗');
    } else {
      console.error('未知錯誤:', error);
    }

    throw new KafkaProducerError(
      '消息發送失敗',
      error,
      message
    );
  }
}

// 死信隊列模擬
async function saveToDeadLetterQueue(message: any) {
  console.log('📝 保存到死信隊列:', message);
  // 實際應用中：
  // - 存入數據庫
  // - 寫入文件
  // - 發送到另一個 Kafka Topic
}

// 告警模擬
async function sendAlert(message: string) {
  console.log('🚨 告警:', message);
  // 實際應用中：
  // - 發送郵件
  // - 發送 Slack 通知
  // - 調用告警 API
}

async function run() {
  try {
    await producer.connect();
    console.log('✅ Producer 已連接\n');

    // 測試正常消息
    await sendMessageWithErrorHandling('test-topic', {
      key: 'user-1',
      value: { action: 'login', timestamp: Date.now() }
    });

    // 測試錯誤消息（value 為空）
    try {
      await sendMessageWithErrorHandling('test-topic', {
        key: 'user-2',
        value: null
      });
    } catch (error) {
      console.log('捕獲到錯誤，程序繼續運行\n');
    }

  } catch (error) {
    console.error('❌ 致命錯誤:', error);
  } finally {
    await producer.disconnect();
  }
}

run();
