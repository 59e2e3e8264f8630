// What the facade does not do, failing loudly with the alternative: kafkajs's silence about options
// it ignores is what this entry point exists to end.

import { KafkaJSNotImplemented } from './errors.ts'

const GUIDE = 'See docs/migrating-from-kafkajs.md.'

export function consumerNotSupported (): never {
  throw new KafkaJSNotImplemented(`kafka.consumer() is not supported by kafka-courier/kafkajs: kafka-courier is a producer toolkit. Keep kafkajs (or use @platformatic/kafka's Consumer) for consuming; both run side by side with this producer. ${GUIDE}`)
}

export function adminNotSupported (): never {
  throw new KafkaJSNotImplemented(`kafka.admin() is not supported by kafka-courier/kafkajs. Create topics with @platformatic/kafka's Admin (installed with kafka-courier) or your platform's tooling; for sends to topics that may not exist, allowAutoTopicCreation (default true) asks the broker to create them. ${GUIDE}`)
}

export function transactionsNotSupported (): never {
  throw new KafkaJSNotImplemented(`producer.transaction() is not supported by kafka-courier yet. For no duplicates per partition use idempotent: true (kafka-courier keeps up to 5 requests in flight with it); for all-or-nothing writes across partitions keep kafkajs's transactional producer for now. ${GUIDE}`)
}

export function optionNotSupported (option: string, alternative: string): never {
  throw new KafkaJSNotImplemented(`${option} is not supported by kafka-courier/kafkajs: ${alternative} ${GUIDE}`)
}
