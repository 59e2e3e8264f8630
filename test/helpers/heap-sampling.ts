// Bytes the heap allocated while `work` ran, from V8's sampling heap profiler, counting objects the
// garbage collector has freed already too. Every frame counts (an inlined callee's allocations are
// charged to its caller, so attributing them by function would be unreliable). Use with a positive
// control (heapSampledBytes of work that allocates a known amount) so a profiler that sampled
// nothing cannot pass a test.

import { Session } from 'node:inspector/promises'

interface SamplingNode {
  selfSize: number
  children: SamplingNode[]
}

export async function heapSampledBytes (work: () => Promise<void> | void): Promise<number> {
  const session = new Session()
  session.connect()
  try {
    await session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true })
    await work()
    const { profile } = await session.post('HeapProfiler.stopSampling')
    let bytes = 0
    const walk = (node: SamplingNode): void => {
      bytes += node.selfSize
      for (const child of node.children) walk(child)
    }
    walk(profile.head as SamplingNode)
    return bytes
  } finally {
    session.disconnect()
  }
}

/** A positive control: the bytes sampled while 100,000 small objects (1.6 MB at least) were made. */
export async function controlBytes (): Promise<number> {
  const kept: Array<{ n: number }> = []
  const bytes = await heapSampledBytes(() => {
    for (let n = 0; n < 100_000; n++) kept.push({ n })
  })
  return kept.length === 100_000 ? bytes : 0
}
