/**
 * Fuzz worker (a child process of the harness): runs a range of cases, announcing each before it starts so
 * the parent can kill it on a per-case timeout, and reporting outcome, time and RSS after each.
 */
import { loadCorpus, makeCase, type CorpusSpec } from './cases';
import { runCase } from './targets';

interface RunMessage {
  spec: CorpusSpec;
  seed: number;
  from: number;
  to: number;
}

const send = (m: object): Promise<void> => new Promise((resolve) => process.send!(m, () => resolve()));

process.once('message', async (m: RunMessage) => {
  const corpus = loadCorpus(m.spec);
  for (let i = m.from; i < m.to; i++) {
    const c = makeCase(corpus, m.seed, i);
    await send({ type: 'start', index: i });
    const t0 = performance.now();
    const r = await runCase(c, m.spec);
    await send({ type: 'done', index: i, ...r, ms: performance.now() - t0, rss: process.memoryUsage().rss });
  }
  await send({ type: 'finished' });
  process.disconnect();
});
