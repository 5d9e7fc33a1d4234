/**
 * Topological order of graph nodes, with cycle detection. Depth-first over producers, visiting nodes in file
 * order, so a graph that is already sorted (every exporter's output) keeps its exact order. Iterative, because a
 * 100k-node chain would overflow the call stack.
 */

export interface SortableNode {
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
}

export type TopoResult = { order: number[] } | { cycle: string[] };

export function topoSort(nodes: readonly SortableNode[]): TopoResult {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => o && producer.set(o, i)));
  const UNSEEN = 0, OPEN = 1, DONE = 2;
  const state = new Uint8Array(nodes.length);
  const order: number[] = [];
  for (let root = 0; root < nodes.length; root++) {
    if (state[root] !== UNSEEN) continue;
    const stack: { node: number; next: number }[] = [{ node: root, next: 0 }];
    state[root] = OPEN;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const inputs = nodes[top.node].inputs;
      if (top.next < inputs.length) {
        const p = producer.get(inputs[top.next++]);
        if (p === undefined || state[p] === DONE) continue;
        if (state[p] === OPEN) {
          const from = stack.findIndex((f) => f.node === p);
          return { cycle: stack.slice(from).map((f) => nodes[f.node].name) };
        }
        state[p] = OPEN;
        stack.push({ node: p, next: 0 });
      } else {
        state[top.node] = DONE;
        order.push(top.node);
        stack.pop();
      }
    }
  }
  return { order };
}
