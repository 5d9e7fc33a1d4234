// A worker for the fuzz harness's own test: speaks the real protocol but misbehaves on purpose (reports a
// crash on case 3, hangs on case 5, exits on case 7), so the test can check the harness catches each.
process.once('message', async (m: { from: number; to: number }) => {
  const send = (msg: object) => new Promise<void>((resolve) => process.send!(msg, () => resolve()));
  for (let i = m.from; i < m.to; i++) {
    await send({ type: 'start', index: i });
    if (i === 5) for (;;);  // a decoder spinning forever
    if (i === 7) process.exit(3);
    await send({ type: 'done', index: i, outcome: i === 3 ? 'crash' : 'ok', detail: 'TypeError: boom', ms: 1, rss: process.memoryUsage().rss });
  }
  await send({ type: 'finished' });
  process.disconnect();
});
