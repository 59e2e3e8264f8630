// The tutorial's 03-production-template.ts ("Producer best practices", chapter 07), as written for kafkajs, with
// one change: the import (`'kafkajs'` -> `'kafka-courier/kafkajs'`); and the call of example() the
// listing leaves out. On kafkajs every send fails with "ZSTD compression not implemented".
// Run: node --conditions=kafka-courier-source examples/tutorial/kafkajs/03-production-template.ts
//      (after `npm run build`, plain `node` resolves kafka-courier/kafkajs to dist/).
/* eslint-disable @typescript-eslint/no-explicit-any */

import { Kafka, CompressionTypes, Partitioners, logLevel } from 'kafka-courier/kafkajs';

// 環境變量配置
const KAFKA_BROKERS = process.env.KAFKA_BROKERS?.split(',') || ['localhost:9092'];
const CLIENT_ID = process.env.KAFKA_CLIENT_ID || 'my-app';
const LOG_LEVEL = process.env.KAFKA_LOG_LEVEL || logLevel.INFO;

// 創建 Kafka 實例
const kafka = new Kafka({
  clientId: CLIENT_ID,
  brokers: KAFKA_BROKERS,
  logLevel: LOG_LEVEL,
  
  // SSL/TLS 配置（生產環境通常需要）
  ssl: process.env.KAFKA_SSL === 'true' ? {
    rejectUnauthorized: true
  } : undefined,
  
  // SASL 認證（生產環境通常需要）
  sasl: process.env.KAFKA_USERNAME ? {
    mechanism: 'plain',
    username: process.env.KAFKA_USERNAME,
    password: process.env.KAFKA_PASSWORD
  } : undefined,
  
  // 連接超時
  connectionTimeout: 10000,
  requestTimeout: 30000,
  
  // 重試配置
  retry: {
    initialRetryTime: 100,
    retries: 8
  }
});

// Producer 配置
const producer = kafka.producer({
  // 冪等性（防止重複）
  idempotent: true,
  
  // 最大未確認請求數
  maxInFlightRequests: 5,
  
  // 批次配置
  batchSize: parseInt(process.env.KAFKA_BATCH_SIZE || '16384'),
  lingerMs: parseInt(process.env.KAFKA_LINGER_MS || '10'),
  
  // 壓縮
  compression: CompressionTypes.ZSTD,
  
  // 分區器
  createPartitioner: Partitioners.DefaultPartitioner,
  
  // 重試
  retry: {
    maxRetryTime: 30000,
    initialRetryTime: 100,
    retries: Number.MAX_SAFE_INTEGER
  },
  
  // 超時
  transactionTimeout: 30000
});

// Producer 服務類
export class ProductionProducerService {
  private connected = false;

  async connect() {
    if (!this.connected) {
      await producer.connect();
      this.connected = true;
      console.log('✅ Producer 已連接');
      
      // 註冊錯誤監聽器
      this.setupEventListeners();
    }
  }

  private setupEventListeners() {
    producer.on('producer.connect', () => {
      console.log('📡 Producer 連接成功');
    });

    producer.on('producer.disconnect', () => {
      console.log('🔌 Producer 斷開連接');
      this.connected = false;
    });

    producer.on('producer.network.request_timeout', (payload) => {
      console.error('⏱️ 請求超時:', payload);
    });
  }

  async send(topic: string, messages: Array<{
    key?: string;
    value: any;
    headers?: Record<string, string>;
  }>) {
    if (!this.connected) {
      await this.connect();
    }

    try {
      const formattedMessages = messages.map(msg => ({
        key: msg.key,
        value: typeof msg.value === 'string' ? msg.value : JSON.stringify(msg.value),
        headers: {
          ...msg.headers,
          'produced-at': Date.now().toString(),
          'producer-id': CLIENT_ID
        }
      }));

      const result = await producer.send({
        topic,
        acks: -1,  // 等待所有 ISR
        timeout: 30000,
        compression: CompressionTypes.ZSTD,
        messages: formattedMessages
      });

      return result;

    } catch (error: any) {
      console.error('❌ 發送失敗:', {
        topic,
        error: error.message,
        stack: error.stack
      });

      // 這裡可以添加監控指標
      // metricsService.incrementCounter('kafka.producer.errors');

      throw error;
    }
  }

  async disconnect() {
    if (this.connected) {
      await producer.disconnect();
      this.connected = false;
      console.log('🔌 Producer 已斷開');
    }
  }

  // 優雅關閉
  async shutdown() {
    console.log('開始優雅關閉...');
    
    // 等待未完成的請求
    await new Promise(resolve => setTimeout(resolve, 1000));
    
    await this.disconnect();
    console.log('✅ 優雅關閉完成');
  }
}

// 使用示例
async function example() {
  const producerService = new ProductionProducerService();

  try {
    await producerService.connect();

    await producerService.send('orders', [
      {
        key: 'order-123',
        value: {
          orderId: 'order-123',
          amount: 99.99,
          timestamp: Date.now()
        },
        headers: {
          'event-type': 'order-created',
          'version': '1.0'
        }
      }
    ]);

    console.log('✅ 消息已發送');

  } catch (error) {
    console.error('❌ 錯誤:', error);
  } finally {
    await producerService.shutdown();
  }
}

// Not in the tutorial's listing, which defines example() without calling it.
example();
