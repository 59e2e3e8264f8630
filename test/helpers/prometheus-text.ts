// A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: every line
// is a comment (# HELP / # TYPE), blank, or `name{label="value",...} number`; anything else throws.

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"$/

export function parsePrometheusText (text: string): { samples: Sample[], types: Map<string, string> } {
  const samples: Sample[] = []
  const types = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    if (line.startsWith('# HELP ')) continue
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ')
      if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type)) throw new Error(`bad TYPE line: ${line}`)
      types.set(name, type)
      continue
    }
    const match = SAMPLE.exec(line)
    if (match === null) throw new Error(`not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    if (match[2] !== undefined && match[2] !== '') {
      for (const part of match[2].split(/,(?=[a-zA-Z_][a-zA-Z0-9_]*=")/)) {
        const label = LABEL.exec(part)
        if (label === null) throw new Error(`bad label ${part} in: ${line}`)
        labels[label[1]] = label[2].replace(/\\(.)/g, (_m, c: string) => c === 'n' ? '\n' : c)
      }
    }
    const value = match[3] === '+Inf' ? Infinity : match[3] === '-Inf' ? -Infinity : Number(match[3])
    if (Number.isNaN(value) && match[3] !== 'NaN') throw new Error(`bad value in: ${line}`)
    samples.push({ name: match[1], labels, value })
  }
  return { samples, types }
}
