// POSTs alerts as JSON to a webhook, at most once per `minIntervalMs`: the first alert goes out at
// once, alerts raised during the interval wait and go together in the next POST. The body is
// `{ source, clientId, at, text, alerts: [...], dropped }` (`text` makes it a valid Slack-style
// incoming-webhook message). A POST that fails is logged, never thrown, and not retried (the next
// alert goes out as usual). Each POST uses its own connection, so nothing holds the process open.

import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { AlertPayload } from './payload.ts'

export interface WebhookSenderOptions {
  url: string
  minIntervalMs: number
  timeoutMs: number
  clientId: string
  now: () => number
  /** A POST failed (status or network); the text names neither the URL nor its credentials. */
  onFailure: (reason: string) => void
}

/** Alerts kept while waiting for the interval; the oldest beyond this are dropped and counted. */
const MAX_QUEUED = 100

export class WebhookSender {
  readonly #options: WebhookSenderOptions
  #queue: AlertPayload[] = []
  #dropped = 0
  #lastPostMs = -Infinity
  #timer: NodeJS.Timeout | undefined
  #inFlight: Promise<void> | undefined

  constructor (options: WebhookSenderOptions) {
    this.#options = options
  }

  send (payload: AlertPayload): void {
    this.#queue.push(payload)
    if (this.#queue.length > MAX_QUEUED) {
      this.#queue.shift()
      this.#dropped++
    }
    this.#schedule()
  }

  /** Sends what is queued now (ignoring the interval) and waits for the POSTs, at most `timeoutMs`. */
  async close (timeoutMs: number): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<void>(resolve => { timer = setTimeout(resolve, timeoutMs) })
    const drained = (async () => {
      if (this.#inFlight !== undefined) await this.#inFlight
      if (this.#queue.length > 0) await this.#post()
    })()
    await Promise.race([drained, deadline])
    clearTimeout(timer)
  }

  #schedule (): void {
    if (this.#timer !== undefined || this.#inFlight !== undefined || this.#queue.length === 0) return
    const waitMs = this.#lastPostMs + this.#options.minIntervalMs - this.#options.now()
    if (waitMs <= 0) {
      void this.#post()
      return
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      void this.#post()
    }, waitMs)
    this.#timer.unref()
  }

  #post (): Promise<void> {
    const alerts = this.#queue
    const dropped = this.#dropped
    this.#queue = []
    this.#dropped = 0
    this.#lastPostMs = this.#options.now()
    const text = alerts.length === 1 ? `[${alerts[0].severity}] ${alerts[0].clientId}: ${alerts[0].message}` : `${alerts.length} alerts from ${this.#options.clientId}: ${[...new Set(alerts.map(a => a.kind))].join(', ')}`
    const body = JSON.stringify({ source: 'kafka-courier', clientId: this.#options.clientId, at: new Date(this.#lastPostMs).toISOString(), text, alerts, dropped })
    this.#inFlight = this.#postJson(body).then(
      status => { if (status < 200 || status >= 300) this.#options.onFailure(`the webhook answered HTTP ${status}`) },
      (error: Error) => this.#options.onFailure(`the webhook POST failed: ${error.message}`)
    ).finally(() => {
      this.#inFlight = undefined
      this.#schedule()
    })
    return this.#inFlight
  }

  #postJson (body: string): Promise<number> {
    const url = new URL(this.#options.url)
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method: 'POST',
        agent: false,
        timeout: this.#options.timeoutMs,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'kafka-courier' }
      }, res => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
        res.on('error', reject)
      })
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.#options.timeoutMs} ms`)))
      // The error of a failed connection names the host and port, never the URL's credentials.
      req.on('error', error => reject(new Error((error as NodeJS.ErrnoException).code ?? error.message)))
      req.end(body)
    })
  }
}
