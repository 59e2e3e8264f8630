// The producer's alerts in one place: every alert is logged, emitted as an `alert` event and handed
// to the `alerts` option's callback and webhook. Repeating conditions go through the AlertLimiter;
// dead letters are summed up per window; the unreachable watch raises `cluster-unreachable`.

import type { Logger, ResolvedConfig } from '../config/types.ts'
import type { CourierError } from '../errors.ts'
import { AlertDispatcher } from '../alerts/dispatcher.ts'
import { ALERT_DEFAULTS } from '../alerts/options.ts'
import { DeadLetterSummary } from '../alerts/dead-letter-summary.ts'
import { UnreachableWatch } from '../alerts/unreachable.ts'
import { AlertLimiter, type Alert } from './alerts.ts'
import type { EventHub } from './events.ts'

export interface Alerting {
  /** For alerts that repeat while a condition lasts. */
  limiter: AlertLimiter
  /** Raises an alert at once (no aggregation). */
  emit: (alert: Alert) => void
  unreachable: UnreachableWatch
  deadLetters: DeadLetterSummary
  close: (timeoutMs: number) => Promise<void>
}

export function createAlerting (config: ResolvedConfig, logger: Logger, events: EventHub, now: () => number): Alerting {
  const alertConfig = config.alerts ?? ALERT_DEFAULTS
  const secrets = [config.sasl?.password, alertConfig.webhook?.url].filter((s): s is string => typeof s === 'string' && s !== '')
  const dispatcher = new AlertDispatcher({
    config: alertConfig,
    clientId: config.clientId,
    secrets,
    now,
    warn: (message, error) => logger.warn(error === undefined ? {} : { err: error }, message)
  })
  const emit = (alert: Alert): void => {
    logger.warn({ ...alert.details, kind: alert.kind, err: alert.error, suppressed: alert.suppressed }, alert.message)
    events.emit('alert', alert)
    dispatcher.dispatch(alert)
  }
  const limiter = new AlertLimiter({ now, emit })
  const unreachable = new UnreachableWatch({
    thresholdMs: alertConfig.unreachableAfterMs,
    now,
    raise: (downForMs, lastError?: CourierError) => limiter.raise({
      kind: 'cluster-unreachable',
      message: `No broker of ${config.brokers.join(', ')} answered for ${Math.round(downForMs / 1000)} s${lastError === undefined ? '' : `: ${lastError.message}`}`,
      ...(lastError === undefined ? {} : { error: lastError }),
      details: { downForMs }
    }),
    resolved: downForMs => {
      limiter.clear('cluster-unreachable')
      emit({ kind: 'cluster-reachable', message: `The cluster answers again after ${Math.round(downForMs / 1000)} s`, details: { downForMs } })
    }
  })
  const deadLetters = new DeadLetterSummary({
    windowMs: alertConfig.deadLetterIntervalMs,
    emit: (message, details) => emit({ kind: 'dead-letters', message, details })
  })
  return {
    limiter,
    emit,
    unreachable,
    deadLetters,
    close: async timeoutMs => {
      deadLetters.flush()
      unreachable.stop()
      await dispatcher.close(timeoutMs)
    }
  }
}
