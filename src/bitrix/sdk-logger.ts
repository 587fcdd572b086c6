/**
 * Bridges the SDK's logger interface to pino. Only the message and primitive context fields are forwarded, and
 * never fields that can hold params (the SDK does not redact `botToken`), URLs or response bodies.
 */
import type { LoggerInterface, LogLevel } from '@bitrix24/b24jssdk'
import type { Logger } from 'pino'

const DENY = /param|query|url|data|result|body|token|auth|secret/i

function safeContext(context: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(context ?? {})) {
    if (DENY.test(key)) continue
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value
  }
  return out
}

/** A `LoggerInterface` that writes through `log` (give it a child at `warn` or above: the SDK logs params at info). */
export function sdkLogger(log: Logger): LoggerInterface {
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error' | 'fatal') =>
    async (message: string, context?: Record<string, unknown>): Promise<void> => {
      log[level]({ sdk: safeContext(context) }, message)
    }
  const byLevel = [write('debug'), write('info'), write('info'), write('warn'), write('error'), write('fatal')]
  return {
    log: async (level: LogLevel, message: string, context?: Record<string, unknown>) =>
      (byLevel[Math.min(Number(level), 5)] ?? write('info'))(message, context),
    debug: write('debug'),
    info: write('info'),
    notice: write('info'),
    warning: write('warn'),
    error: write('error'),
    critical: write('fatal'),
    alert: write('fatal'),
    emergency: write('fatal'),
  }
}
