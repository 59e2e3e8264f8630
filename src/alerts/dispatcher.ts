// Hands each alert to the user's `onAlert` callback and the webhook, as a JSON-safe payload with
// credentials redacted. Neither may break the producer: a throwing callback or a failing webhook
// is logged.

import type { ResolvedAlertConfig } from './options.ts'
import { toPayload, type RaisedAlert } from './payload.ts'
import { WebhookSender } from './webhook.ts'

export interface AlertDispatcherOptions {
  config: ResolvedAlertConfig
  clientId: string
  /** Strings never to send anywhere (the SASL password, the webhook URL). */
  secrets: readonly string[]
  now: () => number
  warn: (message: string, error?: unknown) => void
}

export class AlertDispatcher {
  readonly #options: AlertDispatcherOptions
  readonly #webhook: WebhookSender | undefined

  constructor (options: AlertDispatcherOptions) {
    this.#options = options
    const webhook = options.config.webhook
    this.#webhook = webhook === undefined
      ? undefined
      : new WebhookSender({ ...webhook, clientId: options.clientId, now: options.now, onFailure: reason => options.warn(`alert webhook: ${reason}`) })
  }

  dispatch (alert: RaisedAlert): void {
    const { onAlert } = this.#options.config
    if (onAlert === undefined && this.#webhook === undefined) return
    const payload = toPayload(alert, this.#options.clientId, this.#options.now(), this.#options.secrets)
    if (onAlert !== undefined) {
      try {
        onAlert(payload)
      } catch (error) {
        this.#options.warn('alerts.onAlert threw', error)
      }
    }
    this.#webhook?.send(payload)
  }

  /** Sends what the webhook still holds, waiting at most `timeoutMs`. */
  async close (timeoutMs: number): Promise<void> {
    await this.#webhook?.close(timeoutMs)
  }
}
